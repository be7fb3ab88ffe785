"""Web Push : prévenir le citoyen de chaque changement de son signalement.

- ``cles`` : les clés VAPID du serveur (créées au premier lancement en développement) ;
- ``abonnements`` : vérifier un abonnement venu du navigateur (liste des services permis) ;
- ``envoi`` : envoyer un message chiffré avec pywebpush, et dire quoi faire de la réponse.
"""
