"""Le domaine : la vie d'un signalement, sans HTTP.

Le modèle d'aiguillage et ses règles, la validation, l'enregistrement, les statuts, le
registre des changements (``suivi``, la seule porte par laquelle un signalement change
d'état) et ses actions, la chronologie montrée au citoyen, les relances, les photos, la
purge des données personnelles et leur téléchargement. Le domaine n'importe ni les points
d'entrée, ni la plomberie web, ni la transmission : il s'appuie sur le stockage et le socle.
"""
