"""An SMS gateway that never answers: a worker sending through it hangs until it is killed."""

from __future__ import annotations

import time


class HangingSmsGateway:
    def send(self, phone: str, text: str, *, message_id: str) -> None:
        time.sleep(3600)
