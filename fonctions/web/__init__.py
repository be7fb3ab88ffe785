"""La plomberie HTTP commune aux points d'entrée.

Le contexte (la seule porte des effets de bord), la lecture des corps reçus (la seule porte
d'entrée des données), les pages et réponses d'erreur, les gardes des liens secrets, les
en-têtes de sécurité, les limites de débit, le journal d'accès sans secret, l'en-tête
``Idempotency-Key``. Aucune route ici : elles sont dans ``points_d_entree``.
"""
