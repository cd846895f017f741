"""What the test plans share.  The plans (tools/test/plan_*.py) are leaves:
they import this module and the other helpers here, never one another.

Importing it puts the other tool folders on sys.path (tools/qemu,
tools/images, tools/bench), so `import qemu` or `import mkimages` works
from any plan or runner; the runners in tools/test and tools/bench import
it first.
"""
import os
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
for _d in ("qemu", "images", "bench"):
    if os.path.join(TOOLS, _d) not in sys.path:
        sys.path.append(os.path.join(TOOLS, _d))

HERE = os.path.dirname(os.path.abspath(__file__))


def plans():
    """The plan modules, tools/test/plan_<area>.py, in file-name order."""
    import glob
    import importlib
    return [importlib.import_module(os.path.basename(p)[:-3])
            for p in sorted(glob.glob(os.path.join(HERE, "plan_*.py")))]


def area_benches(build):
    """The plans' extra bench boots (a benches(build) function) for
    tools/bench/runbench.py and tools/bench/linuxref.py."""
    extra = []
    for m in plans():
        if hasattr(m, "benches"):
            extra += m.benches(build)
    return extra
