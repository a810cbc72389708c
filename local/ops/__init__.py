"""The operations view of state-machine executions: `start_ops_view(...)` or `python -m local.ops`."""

from local.ops.server import OpsView, start_ops_view

__all__ = ["OpsView", "start_ops_view"]
