"""The forever iframe, read the way a browser's hidden frame would receive it:
`GET /iframe/{topic}?after=N&callback=fn`, scripts decoded from the HTML."""

from __future__ import annotations

from typing import Any

from rtlab.clients.stream import Decoder, StreamingClient
from rtlab.wire.iframe import IframeDecoder


class IframeClient(StreamingClient):
    technique = "iframe"

    def __init__(self, url: str, topic: str, *, callback: str = "rtlabPush", **kwargs: Any):
        super().__init__(url, topic, **kwargs)
        self.callback = callback

    def _params(self) -> dict[str, str]:
        return {**super()._params(), "callback": self.callback}

    def _decoder(self) -> Decoder:
        return IframeDecoder(self.callback)
