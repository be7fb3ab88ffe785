from __future__ import annotations

import json

import pytest
from starlette.requests import Request

from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.web.lecture import OCTETS_MAX_CORPS, OCTETS_MAX_JSON, entete, lire_envoi


def requete(corps: bytes, type_: str | None, morceaux: int = 1, longueur: bool = True) -> Request:
    entetes = []
    if type_:
        entetes.append((b"content-type", type_.encode()))
    if longueur:
        entetes.append((b"content-length", str(len(corps)).encode()))
    taille = max(1, len(corps) // morceaux + 1)
    messages = [corps[i:i + taille] for i in range(0, len(corps), taille)] or [b""]

    async def recevoir():
        morceau = messages.pop(0)
        return {"type": "http.request", "body": morceau, "more_body": bool(messages)}

    return Request({"type": "http", "method": "POST", "path": "/api/signalements",
                    "headers": entetes, "query_string": b""}, recevoir)


async def lire(corps, type_, **options):
    return await lire_envoi(requete(corps, type_, **options))


async def refus(corps, type_, **options) -> ErreursValidation:
    with pytest.raises(ErreursValidation) as erreur:
        await lire(corps, type_, **options)
    return erreur.value


def multipart(champs: dict[str, str], fichiers: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    limite = "----limite-de-test"
    parties = []
    for nom, valeur in champs.items():
        parties.append(f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"\r\n\r\n'
                       .encode() + valeur.encode() + b"\r\n")
    for nom, fichier, contenu in fichiers:
        parties.append(f'--{limite}\r\nContent-Disposition: form-data; name="{nom}"; '
                       f'filename="{fichier}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                       + contenu + b"\r\n")
    return b"".join(parties) + f"--{limite}--\r\n".encode(), f"multipart/form-data; boundary={limite}"


@pytest.mark.anyio
async def test_un_envoi_json_est_lu_tel_quel():
    envoi = await lire(json.dumps({"noeud": "voirie/nid-de-poule", "latitude": 47.5}).encode(),
                       "application/json; charset=utf-8")
    assert envoi.champs == {"noeud": "voirie/nid-de-poule", "latitude": 47.5}
    assert envoi.photos == []


@pytest.mark.anyio
async def test_un_formulaire_simple_est_lu():
    envoi = await lire(b"noeud=voirie%2Fnid-de-poule&description=Un+trou",
                       "application/x-www-form-urlencoded")
    assert envoi.champs == {"noeud": "voirie/nid-de-poule", "description": "Un trou"}


@pytest.mark.anyio
async def test_un_formulaire_multipart_donne_ses_photos_et_ignore_les_champs_fichier_vides():
    corps, type_ = multipart({"description": "Un trou"},
                             [("photos", "a.jpg", b"AAA"), ("photos", "", b""),
                              ("autre", "b.jpg", b"BBB")])
    envoi = await lire(corps, type_, morceaux=3)
    assert envoi.champs == {"description": "Un trou"}
    assert envoi.photos == [b"AAA"]


@pytest.mark.anyio
async def test_un_type_de_contenu_inconnu_est_refuse_415():
    erreur = await refus(b"<xml/>", "application/xml")
    assert erreur.statut == 415
    assert erreur.erreurs == [Erreur(None, (
        "Envoyez les données en JSON (application/json) ou avec un formulaire "
        "(application/x-www-form-urlencoded ou multipart/form-data)."), 415)]
    assert (await refus(b"{}", None)).statut == 415


@pytest.mark.anyio
async def test_un_json_illisible_ou_qui_n_est_pas_un_objet_est_refuse_400():
    assert (await refus(b"{pas du json", "application/json")).erreurs == [
        Erreur(None, "Le JSON reçu est illisible.", 400)]
    assert (await refus(b"[1, 2]", "application/json")).erreurs == [
        Erreur(None, "Le JSON reçu doit être un objet.", 400)]


@pytest.mark.anyio
async def test_des_photos_en_json_sont_refusees_415():
    erreur = await refus(b'{"photos": ["base64..."]}', "application/json")
    assert (erreur.statut, erreur.erreurs[0].champ) == (415, "photos")


@pytest.mark.anyio
async def test_un_corps_trop_gros_est_refuse_413_des_l_en_tete():
    type_ = b"multipart/form-data; boundary=x"
    annonce = requete(b"", type_.decode())
    annonce.scope["headers"] = [(b"content-type", type_),
                                (b"content-length", str(OCTETS_MAX_CORPS + 1).encode())]
    with pytest.raises(ErreursValidation) as trop:
        await lire_envoi(annonce)
    assert trop.value.statut == 413
    assert trop.value.erreurs[0].message == ("L'envoi est trop volumineux (32 Mo au plus) : "
                                             "retirez une photo ou réduisez-la.")


@pytest.mark.anyio
async def test_un_json_ne_porte_pas_de_photo_et_s_arrete_a_un_mega_octet():
    corps = json.dumps({"description": "x" * OCTETS_MAX_JSON}).encode()
    erreur = await refus(corps, "application/json", morceaux=8, longueur=False)
    assert (erreur.statut, erreur.erreurs[0].message) == (413, (
        "L'envoi est trop volumineux (1 Mo au plus) : raccourcissez le texte envoyé."))


@pytest.mark.anyio
async def test_un_corps_trop_gros_sans_longueur_annoncee_est_refuse_413_en_le_lisant():
    corps = b'{"description": "' + b"x" * OCTETS_MAX_CORPS + b'"}'
    erreur = await refus(corps, "application/json", morceaux=64, longueur=False)
    assert erreur.statut == 413


@pytest.mark.anyio
async def test_plus_de_dix_fichiers_sont_refuses_sans_etre_lus():
    corps, type_ = multipart({}, [("photos", f"{i}.jpg", b"A") for i in range(11)])
    assert (await refus(corps, type_)).erreurs == [Erreur("photos", "3 photos au plus.")]


@pytest.mark.anyio
async def test_un_multipart_casse_est_refuse_400():
    erreur = await refus(b"--x\r\nnimporte quoi", "multipart/form-data; boundary=x")
    assert erreur.erreurs == [Erreur(None, "Le formulaire reçu est illisible.", 400)]


@pytest.mark.anyio
async def test_un_envoi_interrompu_par_le_client_est_refuse_400():
    async def coupe():
        return {"type": "http.disconnect"}

    requete_coupee = Request({"type": "http", "method": "POST", "path": "/api/signalements",
                              "headers": [(b"content-type", b"application/json")],
                              "query_string": b""}, coupe)
    with pytest.raises(ErreursValidation) as refus:
        await lire_envoi(requete_coupee)
    assert refus.value.erreurs == [Erreur(None, "L'envoi a été interrompu : réessayez.", 400)]


@pytest.mark.parametrize("entete, attendu", [
    ("application/json", "application/json"),
    ("Application/JSON ", "application/json"),
    ("application/json; charset=utf-8", "application/json"),
    ('multipart/form-data; boundary="a,b"', "multipart/form-data"),
    ("", ""),
])
def test_le_type_du_contenu_est_lu_sans_ses_parametres(entete, attendu):
    from fonctions.web.lecture import type_du_contenu

    assert type_du_contenu(requete(b"", entete or None)) == attendu


@pytest.mark.anyio
async def test_un_json_en_utf8_avec_ou_sans_bom_est_lu_un_autre_encodage_est_refuse_400():
    texte = json.dumps({"description": "Trou rue de l'Église"}, ensure_ascii=False)
    for corps in (texte.encode(), b"\xef\xbb\xbf" + texte.encode()):
        assert (await lire(corps, "application/json")).champs == {
            "description": "Trou rue de l'Église"}
    for corps in (texte.encode("latin-1"), texte.encode("utf-16")):
        assert (await refus(corps, "application/json")).erreurs == [
            Erreur(None, "Le JSON reçu est illisible.", 400)]


def test_un_entete_recu_se_lit_par_son_nom_le_premier_s_il_est_repete():
    requete_ = Request({"type": "http", "method": "POST", "query_string": b"", "headers": [
        (b"accept", b"text/html"), (b"x-essai", b"premier"), (b"x-essai", b"second"),
        (b"x-latin", "café".encode("latin-1"))]})
    assert entete(requete_, "accept") == "text/html"
    assert entete(requete_, "x-essai") == "premier"
    assert entete(requete_, "x-latin") == "café"  # comme Starlette : en latin-1
    assert entete(requete_, "absent") == ""
    assert entete(requete_, "absent", "défaut") == "défaut"
    assert requete_.headers.get("x-essai") == "premier"  # la même règle que Starlette


# -- la porte d'entrée : profondeur, texte, types -------------------------------------------

@pytest.mark.anyio
async def test_un_json_imbrique_sur_2000_niveaux_est_refuse_avant_d_etre_decode():
    corps = b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}"
    erreur = await refus(corps, "application/json")
    assert (erreur.statut, erreur.erreurs) == (400, [Erreur(None, (
        "Le JSON reçu est imbriqué sur trop de niveaux (32 au plus)."), 400)])


@pytest.mark.anyio
async def test_les_crochets_ecrits_dans_un_texte_ne_comptent_pas_pour_la_profondeur():
    texte = '[{"\\"' * 100
    envoi = await lire(json.dumps({"description": texte}).encode(), "application/json")
    assert envoi.champs == {"description": texte}


@pytest.mark.anyio
async def test_nan_et_infinity_ne_sont_pas_du_json():
    erreur = await refus(b'{"latitude": NaN}', "application/json")
    assert erreur.erreurs == [Erreur(None, "Le JSON reçu est illisible.", 400)]


@pytest.mark.anyio
async def test_chaque_nom_et_chaque_texte_recu_est_normalise():
    corps = json.dumps({"\ud800nom\x00": ["a\ud800\x07b", {"c\x1b": "d\r\ne\tf"}],
                        "message": "ligne 1\rligne 2\x00\x7f\x85"}).encode()
    envoi = await lire(corps, "application/json")
    assert envoi.champs == {"\ufffdnom": ["a\ufffdb", {"c": "d\ne\tf"}],
                            "message": "ligne 1\nligne 2"}


@pytest.mark.anyio
async def test_un_formulaire_est_normalise_comme_un_json():
    corps, type_ = multipart({"message\x01": "a\x00b\r\nc"}, [])
    envoi = await lire(corps, type_)
    assert envoi.champs == {"message": "ab\nc"}
    envoi = await lire(b"motif=%00x%0D%0Ay&%ED%A0%80=z", "application/x-www-form-urlencoded")
    assert envoi.champs == {"motif": "x\ny", "\ufffd\ufffd\ufffd": "z"}


@pytest.mark.anyio
async def test_un_champ_qui_doit_etre_du_texte_est_refuse_s_il_ne_l_est_pas():
    corps = json.dumps({"motif": ["x"], "message": {"a": 1}, "vers": 3, "action": True,
                        "csrf": None}).encode()
    with pytest.raises(ErreursValidation) as erreur:
        await lire_envoi(requete(corps, "application/json"),
                         textes=("action", "message", "motif", "vers", "csrf"))
    assert (erreur.value.statut, erreur.value.erreurs) == (422, [
        Erreur("action", "action doit être un texte, pas vrai ou faux."),
        Erreur("message", "message doit être un texte, pas un objet."),
        Erreur("motif", "motif doit être un texte, pas une liste."),
        Erreur("vers", "vers doit être un texte, pas un nombre."),
    ])


@pytest.mark.anyio
async def test_la_profondeur_est_comptee_juste():
    assert (await lire(b'{"a":' + b"[" * 31 + b"]" * 31 + b"}", "application/json")).champs
    trop = await refus(b'{"a":' + b"[" * 32 + b"]" * 32 + b"}", "application/json")
    assert trop.erreurs[0].message.startswith("Le JSON reçu est imbriqué sur trop de niveaux")
    mal_forme = await refus(b'{"a":' + b"[" * 40 + b"}", "application/json")
    assert mal_forme.erreurs == [Erreur(None, "Le JSON reçu est illisible.", 400)]
    plat = b'{"a":[' + b"[]," * 300_000 + b"[]]}"  # large, mais pas profond
    assert (await lire(plat, "application/json")).champs["a"][:2] == [[], []]


def test_aucun_autre_module_ne_lit_un_corps_lui_meme():
    """La porte d'entrée est la seule : un ``request.json()`` ajouté ailleurs échapperait
    aux limites, à la normalisation et aux types (voir docs/api.md)."""
    import re

    from aides_fonctions import RACINE

    lecture_directe = re.compile(r"\.(body|json|form|stream|receive)\(")
    fautifs = [str(module.relative_to(RACINE)) for module in (RACINE / "fonctions").rglob("*.py")
               if module.name != "lecture.py"
               and lecture_directe.search(module.read_text(encoding="utf-8"))]
    assert fautifs == []
