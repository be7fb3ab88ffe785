"""Les coordonnées du citoyen : deux choix séparés, dont aucun ne bloque son signalement.

- **Être tenu·e au courant** : l'adresse e-mail qu'il laisse (``contact.courriel``) reste chez
  Aiguillage et ne sert qu'à l'informer de l'avancement (``push/canal.py``) ;
- **Le service peut me contacter** (``contact.consentement``) : son adresse e-mail et son
  téléphone sont confiés au service qui a le signalement (courriel, webhook, Open311, page
  de l'agent). Sans cet accord, le téléphone n'est pas gardé : il ne servirait à personne.

Aucun service ne lit ``signalement["contact"]`` lui-même : il reçoit
``contact_pour_le_service``. Un document d'avant ce partage a toujours
``consentement: true`` (l'accord était exigé) : il se lit de la même façon.
"""

from __future__ import annotations

from typing import Any


def contact_a_garder(courriel: str | None, telephone: str | None,
                     consentement: bool) -> dict[str, Any] | None:
    """Le ``contact`` du document, ou ``None`` si le citoyen n'a rien laissé d'utile.

    >>> contact_a_garder("lea@exemple.fr", None, False)
    {'courriel': 'lea@exemple.fr', 'telephone': None, 'consentement': False}
    """
    if not (courriel or telephone):
        return None
    return {"courriel": courriel, "telephone": telephone, "consentement": consentement}


def contact_pour_le_service(signalement: dict[str, Any]) -> dict[str, Any] | None:
    """Ce que le service peut voir du contact : tout, si le citoyen l'a permis ; sinon rien."""
    contact = signalement.get("contact") or {}
    if not contact.get("consentement") or not (contact.get("courriel") or contact.get("telephone")):
        return None
    return {"courriel": contact.get("courriel"), "telephone": contact.get("telephone"),
            "consentement": True}


def courriel_pour_informer(signalement: dict[str, Any]) -> str | None:
    """L'adresse où écrire au citoyen à chaque étape, s'il en a laissé une."""
    return (signalement.get("contact") or {}).get("courriel") or None
