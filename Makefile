# Aiguillage — toutes les commandes du projet. La CI appelle « make test » telle quelle.
#   make demo       construit le contenu de démonstration et sert tout le produit sur http://localhost:8000
#   make test       installe ce qu'il faut (Chromium et PostgreSQL compris) et lance tous les tests
#   make verifier   vérifie le contenu seulement
#   make apercu     reconstruit le site à chaque enregistrement (pour l'équipe éditoriale)
#   make bench      mesures de performance, Lighthouse compris (voir docs/performance.md ; demande Node)
#   make communes   régénère la liste officielle des communes depuis npm (demande Node)
#   make vendor     rafraîchit les bibliothèques du navigateur depuis npm (demande Node)
#
# AIGUILLAGE_CONTENU (par défaut contenu/) choisit le dossier du contenu de verifier,
# construire, apercu et demo : « make verifier AIGUILLAGE_CONTENU=../autre-contenu ».

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
INSTALLE := $(VENV)/.installe
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test verifier construire apercu bench lint regenerer installer chromium postgresql valgrind lighthouse nettoyer communes vendor

$(INSTALLE): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Aiguillage demande Python 3.11 ou plus récent (trouvé : " + sys.version.split()[0] + ").")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

installer: $(INSTALLE)

# Playwright ne peut pas télécharger son navigateur ici : on prend le Chromium de Debian.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installation de Chromium (paquet Debian « chromium »)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@$(CHROMIUM) --version

# Les tests du stockage PostgreSQL démarrent leur propre grappe jetable (initdb et pg_ctl de
# Debian, dans /usr/lib/postgresql/<version>/bin) : jamais sautés, donc installés s'ils
# manquent. Le paquet peut démarrer une grappe du système : les tests ne s'en servent pas.
# AIGUILLAGE_TEST_POSTGRES=postgresql://… fait passer les tests par un serveur existant.
postgresql:
	@if [ -z "$$AIGUILLAGE_TEST_POSTGRES" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installation de PostgreSQL (paquet Debian « postgresql »)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if [ -z "$$AIGUILLAGE_TEST_POSTGRES" ]; then ls /usr/lib/postgresql/*/bin/initdb; fi

# Pour « make bench » seulement : compter les instructions par requête (bench/instructions.py).
valgrind:
	@if ! command -v valgrind >/dev/null; then \
	  echo "Installation de valgrind (paquet Debian « valgrind »)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq valgrind >/dev/null; \
	fi

# Pour « make bench » seulement : Lighthouse (bench/lighthouse.py), à la version épinglée par
# bench/lighthouse-npm/ (package.json et package-lock.json), installé dans build/lighthouse/.
# npm install et non npm ci : une dépendance de Lighthouse demande « third-party-web: latest »,
# que npm ci refuse dès que cette étiquette avance ; npm install garde les versions du verrou
# et ne résout de nouveau que celle-là. make demo et make test n'ont pas besoin de Node.
LIGHTHOUSE := build/lighthouse/node_modules/.bin/lighthouse
lighthouse: $(LIGHTHOUSE)

$(LIGHTHOUSE): bench/lighthouse-npm/package.json bench/lighthouse-npm/package-lock.json
	@command -v npm >/dev/null || { echo "make bench demande npm (Node.js 18.16 ou plus récent) pour Lighthouse : installez-le (paquets Debian « nodejs » et « npm »)."; exit 2; }
	rm -rf build/lighthouse && mkdir -p build/lighthouse
	cp bench/lighthouse-npm/package.json bench/lighthouse-npm/package-lock.json build/lighthouse/
	cd build/lighthouse && npm install --no-audit --no-fund --silent
	@touch $@

# Les commandes lisent elles-mêmes AIGUILLAGE_CONTENU (de l'environnement, ou de la ligne de
# commande de make, qui la leur passe) : aucune cible ne la remplace par contenu/.
verifier: $(INSTALLE)
	$(PY) -m arbre verifier

construire: $(INSTALLE)
	$(PY) -m arbre construire

demo: construire
	AIGUILLAGE_URL_PUBLIQUE=$${AIGUILLAGE_URL_PUBLIQUE:-http://localhost:$(PORT)} $(PY) -m fonctions servir --port $(PORT)

apercu: $(INSTALLE)
	$(PY) -m arbre apercu --port $(PORT)

test: $(INSTALLE) chromium postgresql
	$(PY) -m ruff check .
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) $(PY) -m pytest

bench: $(INSTALLE) chromium postgresql valgrind lighthouse
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) $(PY) bench/site.py
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) AIGUILLAGE_LIGHTHOUSE=$(LIGHTHOUSE) $(PY) bench/lighthouse.py
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) $(PY) bench/hors_ligne.py
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) $(PY) bench/grand_territoire.py
	AIGUILLAGE_CHROMIUM=$(CHROMIUM) $(PY) bench/recherche.py
	$(PY) bench/fonctions.py
	$(PY) bench/postgresql.py
	$(PY) bench/photos.py
	$(PY) bench/open311.py 500
	$(PY) bench/open311.py 4000
	$(PY) bench/instructions.py
	$(PY) bench/instructions.py --postgresql

# Réécrit les sorties dorées des tests (tests/**/attendu*) et les sorties des vecteurs partagés de
# la recherche (tests/arbre/recherche/vecteurs.json) et du formulaire
# (tests/fonctions/vecteurs_validation.json) après un changement voulu ; relisez le diff.
regenerer: $(INSTALLE)
	AIGUILLAGE_REGENERER=1 $(PY) -m pytest tests/arbre tests/fonctions/domaine/test_validation.py -q

lint: $(INSTALLE)
	$(PY) -m ruff check .

# La liste officielle des communes (site/plugins/arbre/donnees/), depuis le paquet npm
# d'Etalab. Le fichier produit est dans le dépôt : make demo et make test n'ont pas besoin de Node.
DECOUPAGE ?= 6.0.0
communes: $(INSTALLE)
	@command -v npm >/dev/null || { echo "make communes demande npm (Node.js) : installez-le, ou gardez le fichier du dépôt."; exit 2; }
	rm -rf build/decoupage && mkdir -p build/decoupage
	cd build/decoupage && npm pack --silent @etalab/decoupage-administratif@$(DECOUPAGE) >/dev/null && tar xzf etalab-decoupage-administratif-$(DECOUPAGE).tgz
	$(PY) site/plugins/arbre/donnees/generer_communes.py build/decoupage/package $(DECOUPAGE)

nettoyer:
	rm -rf site/sortie .pytest_cache

# Les bibliothèques du navigateur, depuis npm : la racinisation française
# (site/theme/static/vendor/orama-stemmers/) et la carte du formulaire
# (site/theme/static/vendor/leaflet/), chacune avec son LISEZMOI.md. Les fichiers sont dans
# le dépôt : make demo et make test n'ont pas besoin de Node. Après un changement de version :
# make regenerer, puis make test (les vecteurs partagés disent si le navigateur racinise
# encore comme snowballstemmer ; tests/navigateur/test_carte.py ouvre la carte).
ORAMA_STEMMERS ?= 3.1.18
LEAFLET ?= 1.9.4
vendor:
	@command -v npm >/dev/null || { echo "make vendor demande npm (Node.js) : installez-le, ou gardez les fichiers du dépôt."; exit 2; }
	rm -rf build/vendor && mkdir -p build/vendor
	cd build/vendor && npm pack --silent @orama/stemmers@$(ORAMA_STEMMERS) >/dev/null && tar xzf orama-stemmers-$(ORAMA_STEMMERS).tgz
	cp build/vendor/package/dist/fr.js site/theme/static/vendor/orama-stemmers/fr.js
	cp build/vendor/package/LICENSE.md site/theme/static/vendor/orama-stemmers/LICENSE.md
	@echo "@orama/stemmers $(ORAMA_STEMMERS) copié : mettez sa version à jour dans site/theme/static/vendor/orama-stemmers/LISEZMOI.md."
	cd build/vendor && npm pack --silent leaflet@$(LEAFLET) >/dev/null && mkdir -p leaflet && tar xzf leaflet-$(LEAFLET).tgz -C leaflet
	cp build/vendor/leaflet/package/dist/leaflet.js build/vendor/leaflet/package/dist/leaflet.css site/theme/static/vendor/leaflet/
	cp build/vendor/leaflet/package/dist/images/marker-icon.png build/vendor/leaflet/package/dist/images/marker-icon-2x.png build/vendor/leaflet/package/dist/images/marker-shadow.png site/theme/static/vendor/leaflet/images/
	cp build/vendor/leaflet/package/LICENSE site/theme/static/vendor/leaflet/LICENSE
	@echo "leaflet $(LEAFLET) copié : mettez sa version à jour dans site/theme/static/vendor/leaflet/LISEZMOI.md."
