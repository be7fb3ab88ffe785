from __future__ import annotations

import anyio
import pytest

from fonctions.socle.horloge import Reveil, horloge_systeme


def test_l_horloge_du_systeme_est_en_utc():
    assert horloge_systeme().utcoffset().total_seconds() == 0


@pytest.mark.anyio
async def test_le_reveil_interrompt_l_attente_et_se_rearme():
    reveil = Reveil()
    reveil.sonner()
    with anyio.fail_after(5):
        await reveil.attendre(3600)
    with anyio.move_on_after(0.01) as attente:
        await reveil.attendre(3600)
    assert attente.cancelled_caught
