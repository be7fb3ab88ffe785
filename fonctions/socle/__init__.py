"""Le socle : ce dont tout le reste a besoin et qui ne connaît ni signalement ni requête.

Les réglages lus dans l'environnement, l'heure, les jetons signés, l'écriture atomique des
fichiers, les courriels (écrits et envoyés) et les requêtes web sortantes. Aucun module du
socle n'importe un autre paquet de ``fonctions``.
"""
