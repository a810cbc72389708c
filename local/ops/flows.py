"""The flows live now, read-only, for the operations view: which version customers are spoken to with
(the AppConfig deployment that is served, or the flows packaged with the code when none is), its recent
deployments (a rollback shows), and each flow's picture as `make flows` draws it (local/devtools/diagram.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from local.devtools.diagram import render
from local.publish_flows import FlowsTarget
from messenger_bank.conversation import catalogue as catalogue_module
from messenger_bank.conversation.published import PACKAGED, Content, load_content, packaged_content, read_bundle

SERVED = ("DEPLOYING", "BAKING", "COMPLETE")
_RENDERING = threading.Lock()  # the pictures take their words from the process's catalogue: one at a time


@dataclass
class LiveFlows:
    appconfig: Any  # a boto3 AppConfig client (control plane), or None: the packaged flows only
    target: FlowsTarget | None
    _loaded: tuple[str, Content] | None = None

    def deployments(self) -> list[dict[str, Any]]:
        if self.appconfig is None or self.target is None:
            return []
        items = self.appconfig.list_deployments(
            ApplicationId=self.target.application, EnvironmentId=self.target.environment
        )["Items"]
        return [
            {
                "deployment": item["DeploymentNumber"],
                "configuration_version": item["ConfigurationVersion"],
                "version": str(item.get("VersionLabel", "")).removeprefix("flows-"),
                "state": item["State"],
                "started_at": str(item.get("StartedAt", "")),
            }
            for item in items[:10]
        ]

    def content(self) -> Content:
        """The flows customers are spoken to with now."""
        served = next((d for d in self.deployments() if d["state"] in SERVED), None)
        if served is None or self.target is None:
            return packaged_content()
        key = str(served["configuration_version"])
        if self._loaded is None or self._loaded[0] != key:
            target = self.target
            stored = self.appconfig.get_hosted_configuration_version(
                ApplicationId=target.application, ConfigurationProfileId=target.profile, VersionNumber=int(key)
            )
            self._loaded = (key, load_content(read_bundle(stored["Content"].read())))
        return self._loaded[1]

    def summary(self) -> dict[str, Any]:
        deployments = self.deployments()
        content = self.content()
        served = next((d for d in deployments if d["state"] in SERVED), None)
        return {
            "live": {
                "version": content.version,
                "label": content.label or ("the flows packaged with the code" if content.version == PACKAGED else ""),
                "deployment": served,
            },
            "deployments": deployments,
            "flows": [{"name": f.flow, "title": self.title(content, f.title)} for f in content.flows.flows.values()],
        }

    @staticmethod
    def title(content: Content, key: str) -> str:
        return content.messages.get("en", {}).get(key, key)

    def picture(self, name: str) -> str | None:
        content = self.content()
        flow = content.flows.flows.get(name)
        if flow is None:
            return None
        with _RENDERING:
            before = catalogue_module._installed
            catalogue_module.install(None if content.version == PACKAGED else content.messages)
            try:
                return render(content.flows, flow)
            finally:
                catalogue_module.install(before)
