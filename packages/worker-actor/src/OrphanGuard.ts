import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The guard's shell. It keeps three lists: process groups (`add PGID [CGROUP]` / `del PGID
 * [CGROUP]`), cgroups named with them, and single processes (`addpid PID` / `delpid PID`). At
 * the end of its input it SIGKILLs each listed process, then each group, then empties each
 * cgroup (`cgroup.kill`, or each pid of `cgroup.procs` on kernels without it).
 */
const script = `
groups=" "
cgroups=" "
pids=" "
while read -r command group cgroup; do
  case "$command" in
    add) groups="$groups$group "; [ -n "$cgroup" ] && cgroups="$cgroups$cgroup " ;;
    del) groups=$(printf '%s' "$groups" | sed "s/ $group / /"); [ -n "$cgroup" ] && cgroups=$(printf '%s' "$cgroups" | sed "s| $cgroup | |") ;;
    addpid) pids="$pids$group " ;;
    delpid) pids=$(printf '%s' "$pids" | sed "s/ $group / /") ;;
  esac
done
for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
for group in $groups; do kill -KILL "-$group" 2>/dev/null; done
for cgroup in $cgroups; do
  echo 1 2>/dev/null > "$cgroup/cgroup.kill" || for pid in $(cat "$cgroup/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
done
`;

/**
 * One guard: a tiny shell, in a process group of its own (a signal to Portico's group does not
 * reach it), that kills what its owner listed with it if the owner dies, even by SIGKILL, when
 * no cleanup code of ours can run. The owner writes what to list and strike off to the shell's
 * stdin, which only the owner holds; when the owner is gone that input ends, and the shell kills
 * what is still listed. Portico has one guard per process host, for its backends' process groups
 * and cgroups (`add`: what left the group by setsid is still in the cgroup), and one for the front
 * fleet, for each front's pid (`addProcess`: a front shares the group of Portico and of its
 * caller, so it is listed alone). A front that would end by itself, on its channel's end, cannot
 * while its event loop is held or it is stopped, and one that holds the listen sockets keeps the
 * port from the next Portico. The shell starts with the first line written, and a guard whose
 * shell could not start stays inert. (Linux's PR_SET_PDEATHSIG is not reachable from Node, and it
 * would not cover a backend's own children anyway.)
 */
export class OrphanGuard {
  #guard: ChildProcess | undefined;
  #failed = false;

  /** `cgroup`: the worker's cgroup, so what left the group (setsid) is killed as well. */
  add(pgid: number, cgroup?: string): void {
    this.#write(`add ${pgid}${cgroup ? ` ${cgroup}` : ''}\n`);
  }

  remove(pgid: number, cgroup?: string): void {
    this.#write(`del ${pgid}${cgroup ? ` ${cgroup}` : ''}\n`);
  }

  /** One process, not its group: a front, which shares the group of Portico and of its caller. */
  addProcess(pid: number): void {
    this.#write(`addpid ${pid}\n`);
  }

  removeProcess(pid: number): void {
    this.#write(`delpid ${pid}\n`);
  }

  /**
   * Ends the guard: its input ends, and the shell kills whatever is still listed (nothing, after
   * an orderly stop) and exits. Idempotent; a later `add` or `addProcess` starts a new shell.
   */
  close(): void {
    const guard = this.#guard;
    this.#guard = undefined;
    guard?.stdin?.end();
  }

  #write(line: string): void {
    if (this.#failed) return;
    if (!this.#guard) {
      const guard = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
      guard.on('error', () => (this.#failed = true));
      guard.stdin?.on('error', () => (this.#failed = true));
      // Portico must be able to exit while the guard waits for the pipe to end.
      guard.unref();
      (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.#guard = guard;
    }
    this.#guard.stdin?.write(line);
  }
}
