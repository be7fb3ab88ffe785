"""Les points d'entrée HTTP : un module par famille de routes, chacun avec sa liste ``routes``.

La racine de composition (``fonctions/app.py``) les assemble. Un point d'entrée lit le corps
reçu par ``web/lecture.py``, reçoit ses effets de bord par ``web/contexte.py`` et fait changer
un signalement par le domaine (``domaine/suivi.py``). Les modules qui ne servent qu'à un point
d'entrée vivent à côté de lui (``fiche_agent`` pour ``agent``, ``doublons`` et ``sans_bloquer``
pour ``signalements``…).
"""
