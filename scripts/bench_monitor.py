#!/usr/bin/python3
"""Watches one benchmark launch and reports how much CPU everything else on the machine took meanwhile.

    /usr/bin/python3 scripts/bench_monitor.py <pid of mpiexec> <label>

Once a second: CPU time of all cores that was not idle, minus the CPU time of the launch's own process
tree (mpiexec and its ranks), as a percent of all cores. The ranks poll (they use every core they are
given), so whatever another process takes is taken from them: a run with foreign load above a few
percent is not a clean measurement. Prints one line when the launch ends.
"""
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def machine_ticks():
    fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest time is inside user)
    return total, total - fields[3] - fields[4]


def tree_ticks(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append((int(entry), int(fields[11]) + int(fields[12])))
    ticks, stack = 0, [root]
    try:
        stat = open(f"/proc/{root}/stat").read()
        fields = stat[stat.rindex(")") + 2:].split()
        ticks += int(fields[11]) + int(fields[12])
    except OSError:
        pass
    while stack:
        for pid, used in children.get(stack.pop(), []):
            ticks += used
            stack.append(pid)
    return ticks


def main():
    root, label = int(sys.argv[1]), sys.argv[2]
    samples = []
    total0, busy0 = machine_ticks()
    ours0 = tree_ticks(root)
    while os.path.exists(f"/proc/{root}"):
        time.sleep(1)
        total1, busy1 = machine_ticks()
        ours1 = tree_ticks(root)
        if total1 > total0 and ours1 >= ours0:
            samples.append(max(0.0, 100.0 * ((busy1 - busy0) - (ours1 - ours0)) / (total1 - total0)))
        total0, busy0, ours0 = total1, busy1, ours1
    if not samples:
        print(f"{label}: foreign CPU load: no samples")
        return
    disturbed = sum(1 for s in samples if s > 10)
    print(f"{label}: foreign CPU load (other processes, % of all cores): mean {sum(samples) / len(samples):.1f}%, "
          f"max {max(samples):.0f}%, {disturbed} of {len(samples)} seconds above 10%")


if __name__ == "__main__":
    main()
