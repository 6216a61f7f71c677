"""Executes one notebook with nbclient and reports what happened as JSON.

Called by lib/notebook/run.ts. Unlike `jupyter nbconvert --execute`, it always
writes the executed notebook (also when a cell fails) so the failing cell's
output can be read, and it reports the failing cell by index.
"""
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

source, target, kernel_name, timeout, cwd = sys.argv[1:6]
nb = nbformat.read(source, as_version=4)
client = NotebookClient(
    nb,
    kernel_name=kernel_name,
    timeout=int(timeout),
    allow_errors=False,
    record_timing=True,
    resources={"metadata": {"path": cwd}},
)
report = {"ok": True, "error": None, "seconds": None}
start = time.time()
try:
    client.execute()
except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
    report["ok"] = False
    report["error"] = {"type": type(err).__name__, "message": str(err)[-6000:]}
report["seconds"] = round(time.time() - start, 2)
nbformat.write(nb, target)
print(json.dumps(report))
