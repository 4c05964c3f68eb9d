#!/usr/bin/env python3
"""Checks that imports between the modules of src/ form no circle, and that
inside src/bot/ no module imports one that imports it back, directly or
through others. Exits 1 and names the circle when there is one.

A module is a file (`src/bot/ask.rs` is `bot::ask`); `use crate::x::y`,
`use super::y` and `crate::x::y::` paths in code count as imports of the
deepest module named. Imports of a module's own children are containment,
not dependency, and are left out."""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"


def module_of(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(text):
    return "\n".join(line.split("//")[0] for line in text.splitlines())


modules = {module_of(p): p for p in SRC.rglob("*.rs")}
edges = {m: set() for m in modules}
for mod, path in modules.items():
    text = strip_comments(path.read_text(encoding="utf-8"))
    # `use super::{a, b}` and `use crate::x::{y, z}`: every name in the braces.
    paths = []
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)(?:::\{([^}]*)\})?", text):
        root, rest, braces = m.group(1), m.group(2), m.group(3)
        segs = [s for s in rest.split("::") if s]
        tails = [[]]
        if braces:
            tails = [[n.strip().split(" ")[0].split("::")[0]] for n in braces.split(",") if n.strip()]
        for tail in tails:
            paths.append((root, segs + tail))
    for root, segs in paths:
        # `super` of a file is its folder's module; of a mod.rs, the folder above.
        base = () if root == "crate" else mod[:-1]
        target = base
        for seg in segs:
            if seg in ("self",):
                continue
            if target + (seg,) in modules:
                target = target + (seg,)
            else:
                break
        if target and target != mod and target[: len(mod)] != mod and mod[: len(target)] != target:
            edges[mod].add(target)

# Find circles by depth-first search.
state = {}
stack = []
circles = []


def visit(node):
    state[node] = "open"
    stack.append(node)
    for nxt in sorted(edges[node]):
        if state.get(nxt) == "open":
            circles.append(stack[stack.index(nxt):] + [nxt])
        elif nxt not in state:
            visit(nxt)
    stack.pop()
    state[node] = "done"


for node in sorted(modules):
    if node not in state:
        visit(node)

name = lambda m: "::".join(m) or "crate"
bot = sorted(m for m in modules if m[:1] == ("bot",) and len(m) == 2)
print("imports inside src/bot/:")
for m in bot:
    inside = sorted(name(t) for t in edges[m] if t[:1] == ("bot",))
    print(f"  {name(m):<18} -> {', '.join(inside) or '(none)'}")
if circles:
    for circle in circles:
        print("CIRCLE: " + " -> ".join(name(m) for m in circle))
    sys.exit(1)
print(f"no import circle among {len(modules)} modules of src/")
