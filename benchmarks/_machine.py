"Describe the machine a benchmark ran on, so every printed figure names it."

import os, platform, resource, time


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = ""
    try:
        import torch

        if torch.cuda.is_available():
            gpu = f", GPU {torch.cuda.get_device_name(0)}"
    except ImportError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = len(os.sched_getaffinity(0))
    return f"{cpu}, {cores} cores usable, {mem:.0f} GiB RAM{gpu}, Python {platform.python_version()}"


def cpu_seconds() -> float:
    "CPU seconds this process has used (user + system, all threads)."
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn):
    "`(result, wall seconds, CPU seconds)` of `fn()`."
    t, c = time.time(), cpu_seconds()
    out = fn()
    return out, time.time() - t, cpu_seconds() - c


if __name__ == "__main__":
    print(machine())
