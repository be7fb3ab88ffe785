"""La recherche dans le parcours, en français tel que les habitants l'tapent."""
