"""``alignzoo --help`` lists every config group the way Hydra does, with one copy of the
config repository instead of one per group.

Hydra's help asks the config loader for each group's options, and each ask deep-copies the
whole repository, every plugin's structured config included: about 100 copies, 1.5 s of a
2 s ``--help``. Nothing can change the listing within one command, so the loader keeps the
copy it made for the first ask. Applied to help commands only; if a Hydra release moves the
method, help is just slower.
"""

from __future__ import annotations

from typing import Any

HELP_FLAGS = frozenset({"--help", "-h", "--hydra-help"})


def list_groups_from_one_copy() -> None:
    """Make Hydra's config loader reuse one repository copy for every group listing."""
    try:
        from hydra._internal.config_loader_impl import ConfigLoaderImpl
        from hydra.core.object_type import ObjectType
    except ImportError:  # another Hydra layout: keep its own listing
        return
    if not hasattr(ConfigLoaderImpl, "_parse_overrides_and_create_caching_repo"):
        return

    def get_group_options(
        self: Any,
        group_name: str,
        results_filter: ObjectType | None = ObjectType.CONFIG,
        config_name: str | None = None,
        overrides: list[str] | None = None,
    ) -> list[str]:
        copies = self.__dict__.setdefault("_alignzoo_listing_copies", {})
        key = (config_name, tuple(overrides or ()))
        if key not in copies:
            _, copies[key] = self._parse_overrides_and_create_caching_repo(
                config_name, list(overrides or ())
            )
        options: list[str] = copies[key].get_group_options(group_name, results_filter)
        return options

    ConfigLoaderImpl.get_group_options = get_group_options  # type: ignore[method-assign]
