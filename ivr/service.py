"""The IVR as a service: the current tree, reloaded without touching calls in progress.

A session keeps a reference to the tree it started with (trees are immutable), so
:meth:`IvrService.reload` only changes what *new* calls get. The driver reloads on a signal
or an API call with a tree from :func:`ivr.loader.load_file`; a file that does not load
raises before anything changes, so a bad edit never replaces a good tree.
"""

from __future__ import annotations

from ivr.config import IvrTree
from ivr.file0_api import File0Provider
from ivr.session import IvrSession


class IvrService:
    """Hands out sessions on the current tree; :meth:`reload` swaps the tree for new calls."""

    def __init__(self, tree: IvrTree, file0: File0Provider | None = None) -> None:
        self._tree = tree
        self._version = 1
        self.file0 = file0
        """Provider of the active file 0 message, given to every new session."""

    @property
    def tree(self) -> IvrTree:
        """The tree new calls get."""
        return self._tree

    @property
    def version(self) -> int:
        """1 for the first tree, one more at each reload."""
        return self._version

    def reload(self, tree: IvrTree) -> int:
        """Use ``tree`` for calls created from now on; returns the new version.

        Sessions already created keep walking their own tree to the end.
        """
        self._tree = tree
        self._version += 1
        return self._version

    def serves(self, number: str) -> bool:
        """Whether a call to ``number`` has an entry point (else refuse it, e.g. SIP 404)."""
        return self._tree.entry_for(number) is not None

    def new_session(self, call_id: str, caller: str, entry: str, now: float) -> IvrSession:
        """A session for a call to ``entry`` arrived at ``now``, on the current tree.

        Raises :class:`~ivr.errors.UnknownEntry` if the number is not served.
        """
        return IvrSession(self._tree, call_id, caller, entry, now, file0=self.file0)


__all__ = ["IvrService"]
