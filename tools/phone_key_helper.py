"""Phone keys of a large import, formatted in a helper process.

Formatting a phone number (Odoo's ``phone_format``: two parses, a format and
a validity check in pure Python) is the costliest step of an imported row, and
it needs no database. A background import of a large file hands the numbers
of its next batch to a helper process, which runs ``leads_phone_key`` from
``phone_key.py`` (the very function the rest of the module uses) on the
machine's other core while the import stores the current batch.

The helper only ever works ahead: a batch the import has started on is not
sent any more, and the import formats whatever number has no key yet itself.
Whatever goes wrong with the helper (it cannot start, dies, answers nonsense)
costs speed, never a row: the import then formats every number itself.

The helper loads Odoo's ``phone_validation`` and ``phonenumbers``, not the
other installed modules: a module that changed how numbers are formatted by
patching them on import would not apply there. Set the system parameter
``leads_management.import_phone_helper_threshold`` to 0 to do without it.

Run as a script, this file is the helper: it reads its configuration, then
lists of numbers, one JSON line each, and answers a JSON line of keys for each.
"""

import contextlib
import importlib.util
import json
import logging
import queue
import subprocess
import sys
import threading
from pathlib import Path

_logger = logging.getLogger(__name__)

# Numbers per exchange with the helper: small enough that the import can
# take over a batch at any time, large enough to make the exchanges cheap.
CHUNK = 250
START_TIMEOUT = 60  # seconds for the helper to load Odoo's phone module
PHONE_KEY_FILE = Path(__file__).with_name("phone_key.py")


class PhoneKeyHelper:
    """The import's side: ``submit`` a batch's numbers, later ``take`` the
    keys that are ready. A thread of the import talks to the helper process."""

    def __init__(self, country_code, country_phone_code):
        import odoo.addons  # noqa: PLC0415 - the helper itself needs no Odoo

        self._batches = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._keys = {}  # batch token: {number: key}, filled by the thread
        self._finished = {}  # batch token: Event, set when the thread is done
        self._taken = set()  # tokens the import has started on
        self._closing = False
        self._ready = False
        self._tokens = iter(range(1, sys.maxsize))
        self.failed = False
        config = {
            "sys_path": sys.path,
            "addons_path": list(odoo.addons.__path__),
            "country_code": country_code,
            "country_phone_code": country_phone_code,
        }
        self._process = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-I", __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            encoding="ascii",  # JSON escapes everything else
        )
        try:
            self._process.stdin.write(json.dumps(config) + "\n")
            self._process.stdin.flush()
        except OSError:
            self._process.kill()
            self._process.wait()
            raise
        self._thread = threading.Thread(
            target=self._pump, name="leads-phone-key-helper", daemon=True
        )
        self._thread.start()

    @property
    def working(self):
        """Whether the helper has started and not failed."""
        return self._ready and not self.failed

    # ------------------------------------------------------------ import side
    def submit(self, numbers):
        """Queue ``numbers`` (a batch's) for formatting; returns its token."""
        token = next(self._tokens)
        with self._lock:
            self._keys[token] = {}
            self._finished[token] = threading.Event()
        self._batches.put((token, list(dict.fromkeys(numbers))))
        return token

    def take(self, token, timeout=0):
        """The keys of batch ``token`` formatted so far, ``{number: key}``,
        after waiting up to ``timeout`` seconds for all of them; the helper
        does no more of it."""
        finished = self._finished.get(token)
        if timeout and finished:
            finished.wait(timeout)
        with self._lock:
            self._taken.add(token)
            self._finished.pop(token, None)
            return self._keys.pop(token, {})

    def close(self):
        with self._lock:
            self._closing = True
            if not self._ready:
                # Still starting (or never will): not worth waiting for.
                self._process.kill()
        self._batches.put(None)
        # The thread ends its current exchange (a chunk: milliseconds); a
        # helper that takes longer is stuck, and killed.
        self._thread.join(5)
        if self._thread.is_alive():
            self._process.kill()
            self._thread.join(5)
        with contextlib.suppress(OSError):  # the helper may be gone already
            self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()

    # ------------------------------------------------------------ the thread
    def _pump(self):
        try:
            if not self._greeted():
                return
            while (item := self._batches.get()) is not None:
                token, numbers = item
                self._format_batch(token, numbers)
                self._finish(token)
        except Exception:  # noqa: BLE001 - the import formats the numbers itself
            self._give_up()

    def _greeted(self):
        """Wait for the helper's greeting; whether to go on (False: closing)."""
        ready = _read_answer(self._process, START_TIMEOUT)
        if ready != "ready":
            raise RuntimeError(f"unexpected greeting {ready!r}")
        with self._lock:
            if self._closing:
                return False
            self._ready = True
        return True

    def _format_batch(self, token, numbers):
        """Have the helper format ``numbers`` chunk by chunk, until the import
        takes the batch over or the helper is closed."""
        for start in range(0, len(numbers), CHUNK):
            with self._lock:
                if token in self._taken or self._closing:
                    return
            chunk = numbers[start : start + CHUNK]
            keys = self._exchange(chunk)
            with self._lock:
                if token not in self._taken:
                    self._keys[token].update(zip(chunk, keys, strict=True))

    def _exchange(self, chunk):
        """The helper's keys of the numbers of ``chunk``, in order."""
        self._process.stdin.write(json.dumps(chunk) + "\n")
        self._process.stdin.flush()
        keys = _read_answer(self._process)
        if not _keys_answer(keys, len(chunk)):
            raise RuntimeError("the helper's answer does not match")
        return keys

    def _give_up(self):
        """After the helper failed: kill it, release whoever waits for a
        batch, then answer every batch still submitted with no keys."""
        self.failed = True
        if not self._closing:  # else killed by close() while starting
            _logger.warning(
                "Lead import: the phone key helper stopped; the import "
                "formats the numbers itself.",
                exc_info=True,
            )
        self._process.kill()
        # Nothing more will come: release whoever waits, then drain the
        # queue until close().
        with self._lock:
            tokens = list(self._finished)
        for token in tokens:
            self._finish(token)
        while (item := self._batches.get()) is not None:
            self._finish(item[0])

    def _finish(self, token):
        with self._lock:
            finished = self._finished.get(token)
        if finished:
            finished.set()


def _keys_answer(keys, count):
    """Whether ``keys`` is an answer to ``count`` numbers: E.164 or False."""
    return (
        isinstance(keys, list)
        and len(keys) == count
        and all(
            key is False or (isinstance(key, str) and key.startswith("+"))
            for key in keys
        )
    )


def _read_answer(process, timeout=None):
    """The helper's next JSON line (``timeout``: seconds, for its start)."""
    if timeout is None:
        line = process.stdout.readline()
    else:
        answer = []
        reader = threading.Thread(
            target=lambda: answer.append(process.stdout.readline()), daemon=True
        )
        reader.start()
        reader.join(timeout)
        if not answer:
            process.kill()
            raise TimeoutError("the helper did not start in time")
        line = answer[0]
    if not line:
        raise EOFError("the helper exited")
    return json.loads(line)


# ---------------------------------------------------------------- the helper
def _load_phone_key(config):
    """``leads_phone_key`` from phone_key.py, without the module's models."""
    sys.path[:] = [*config["sys_path"], *sys.path]
    import odoo.addons  # noqa: PLC0415 - only once the import's path is known

    for path in config["addons_path"]:
        if path not in odoo.addons.__path__:
            odoo.addons.__path__.append(path)
    spec = importlib.util.spec_from_file_location(
        "leads_management_phone_key", PHONE_KEY_FILE
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.leads_phone_key


def main(stdin=sys.stdin, stdout=sys.stdout):
    config = json.loads(stdin.readline())
    phone_key = _load_phone_key(config)
    region = config["country_code"], config["country_phone_code"]
    stdout.write(json.dumps("ready") + "\n")
    stdout.flush()
    for line in stdin:
        stdout.write(json.dumps([phone_key(n, *region) for n in json.loads(line)]))
        stdout.write("\n")
        stdout.flush()


if __name__ == "__main__":
    main()
