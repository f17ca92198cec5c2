"""Where consumers are routed: the framework-free contract of route discovery.

:class:`~chanx.routing.discovery.RouteInfo` describes one routed consumer and
:class:`~chanx.routing.discovery.RouteDiscovery` is what a framework binding implements to
list them (``chanx.channels.discovery``, ``chanx.fast_channels.discovery``);
:mod:`~chanx.routing.patterns` turns route patterns into ``{param}`` addresses and
:mod:`~chanx.routing.traversal` walks middleware stacks and routers. The AsyncAPI generator
and the client generator read routes through these names only.
"""

from chanx.routing.discovery import RouteDiscovery, RouteInfo
from chanx.routing.patterns import extract_path_parameters, get_pattern_string_and_params
from chanx.routing.traversal import find_routes, traverse_middleware_stack

__all__ = [
    "RouteDiscovery",
    "RouteInfo",
    "extract_path_parameters",
    "find_routes",
    "get_pattern_string_and_params",
    "traverse_middleware_stack",
]
