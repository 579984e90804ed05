"""Checks on the shape of a tree: loops a silent caller never leaves, unreachable nodes."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.config import IvrTree, Node, prompts_of, successors


def silent_cycles(nodes: Mapping[str, Node]) -> list[list[str]]:
    """Loops made only of edges a caller who presses nothing takes (prompt ends, timeouts,
    jumps, calendar branches): a call in one would never end. Each loop is given as its
    path, first node repeated at the end (``["a", "b", "a"]``); one loop per tangle.
    """
    edges = {
        name: [target for _field, target, needs_input in successors(node) if not needs_input]
        for name, node in nodes.items()
    }
    done: set[str] = set()
    cycles: list[list[str]] = []
    for root in nodes:
        if root in done:
            continue
        cycle = _find_cycle(root, edges, done)
        if cycle:
            cycles.append(cycle)
    return cycles


def _find_cycle(root: str, edges: Mapping[str, list[str]], done: set[str]) -> list[str] | None:
    """Depth-first from ``root``; the first back edge found closes a loop."""
    path: list[str] = [root]
    on_path = {root}
    stack = [iter(edges.get(root, ()))]
    found: list[str] | None = None
    while stack:
        target = next(stack[-1], None)
        if target is None:
            stack.pop()
            name = path.pop()
            on_path.discard(name)
            done.add(name)
        elif target in on_path:
            found = found or [*path[path.index(target) :], target]
        elif target not in done and target in edges:
            path.append(target)
            on_path.add(target)
            stack.append(iter(edges[target]))
    return found


def reachable(tree: IvrTree) -> set[str]:
    """Names of the nodes some entry point can lead to."""
    todo = [name for entry in tree.entries.values() for name in (entry.start, entry.closed) if name]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in tree.nodes:
            continue
        seen.add(name)
        todo.extend(target for _field, target, _input in successors(tree.nodes[name]))
    return seen


def warnings(tree: IvrTree) -> list[str]:
    """Things that load but are probably mistakes: unreachable nodes, unused prompts."""
    seen = reachable(tree)
    found = [f"nodes.{name}: no entry point leads here" for name in tree.nodes if name not in seen]
    used = {prompt for node in tree.nodes.values() for _field, prompt in prompts_of(node)}
    for waiting in tree.waiting.values():
        used.update(m.prompt for m in waiting.messages)
        if waiting.music is not None:
            used.add(waiting.music)
        if waiting.callback is not None:
            used.update((waiting.callback.offer, waiting.callback.confirm))
    found.extend(
        f"prompts.{name}: no node or waiting queue plays it (fine for a file 0 message)"
        for name in tree.prompts
        if name not in used
    )
    return found


__all__ = ["reachable", "silent_cycles", "warnings"]
