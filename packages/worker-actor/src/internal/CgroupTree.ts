import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ProcessIsolation, ResourceLimits } from '../ProcessHost.ts';

/** The cgroup v2 controllers whose limits Portico writes (memory.max, cpu.max, pids.max). */
const limitControllers = ['memory', 'cpu', 'pids'] as const;
/** The leaf cgroup Portico moves its own processes into, inside the cgroup it was started in. */
const leafName = 'portico';
/** cpu.max's period: systemd's CPUQuotaPeriodSec= default, 100 ms. */
const cpuPeriodUs = 100_000;
/** Several hosts may live in one process (tests, embedding): each gets its own subtree. */
let treeCount = 0;

/**
 * Portico's own cgroup v2 subtree, `<mount><Portico's cgroup>/portico-<pid>-<n>`, with one child per
 * worker process. A forked process starts in its parent's cgroup and leaves it only by a write
 * to `cgroup.procs`, so whatever a backend starts (setsid, double fork) stays in its worker's
 * cgroup, and `cgroup.kill` ends all of it (docs/worker.md, "A worker's whole process tree").
 * `open()` says why not when this cannot be had, and the host falls back to process groups.
 */
export class CgroupTree {
  readonly path: string;
  readonly controllers: readonly string[];
  readonly hasKill: boolean;
  /** Why some of memory, cpu and pids are not among `controllers`; absent when all three are. */
  readonly why: string | undefined;
  #count = 0;

  private constructor(path: string, controllers: readonly string[], hasKill: boolean, why: string | undefined) {
    this.path = path;
    this.controllers = controllers;
    this.hasKill = hasKill;
    this.why = why;
  }

  /**
   * Creates Portico's subtree, or says why it cannot (no cgroup v2, not allowed to write there).
   * Where Portico's cgroup does not yet enable memory, cpu and pids for its children and holds
   * processes (systemd's `Delegate=yes`), Portico first moves its own processes into the leaf
   * `<own>/portico` (`moveIntoLeaf`): the kernel lets a cgroup other than the root enable
   * controllers only while it holds no process. The subtree is then a sibling of that leaf.
   */
  static open(): CgroupTree | { readonly why: string } {
    if (process.platform !== 'linux') return { why: `cgroups are Linux's; this is ${process.platform}` };
    const mount = cgroup2Mount();
    if (!mount) return { why: 'no cgroup v2 hierarchy is mounted' };
    const self = /^0::(.*)$/m.exec(readText('/proc/self/cgroup') ?? '')?.[1];
    if (self === undefined) return { why: 'Portico is in no cgroup v2 (no "0::" line in /proc/self/cgroup)' };
    // In its leaf already (a second host in this process, or a Portico exec'd by one): the
    // cgroup Portico was given is the leaf's parent.
    const own = join(mount, basename(self) === leafName ? dirname(self) : self).replace(/(.)\/$/, '$1');
    sweepLeftovers(own);
    const wanted = () => limitControllers.filter((c) => !words(join(own, 'cgroup.subtree_control')).includes(c));
    // The hierarchy's root may hold processes and enable controllers: Portico leaves it as it is.
    const delegated = own !== mount && wanted().length > 0;
    const leafWhy = delegated ? moveIntoLeaf(own) : undefined;
    const ownEnableError = delegated && leafWhy === undefined ? enable(own, wanted().filter((c) => words(join(own, 'cgroup.controllers')).includes(c))) : undefined;
    const path = join(own, `portico-${process.pid}-${++treeCount}`);
    try {
      mkdirSync(path, { recursive: false });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return { why: `cannot create ${path} (${code}): run Portico as root, or under systemd with Delegate=yes` };
    }
    // Controllers come from the parent's subtree_control: those enabled for Portico's cgroup's
    // children. Portico enables them for its own children; it never writes above its cgroup.
    const available = words(join(path, 'cgroup.controllers'));
    const controllers: string[] = limitControllers.filter((c) => available.includes(c));
    const enableError = enable(path, controllers);
    if (enableError !== undefined) controllers.length = 0;
    const why = controllers.length === limitControllers.length ? undefined : whyNoLimits(mount, own, path, { leafWhy, ownEnableError, enableError });
    return new CgroupTree(path, controllers, existsSync(join(path, 'cgroup.kill')), why);
  }

  get isolation(): ProcessIsolation {
    const kill = this.hasKill ? 'cgroup.kill' : 'cgroup.procs';
    return { kind: 'cgroup', path: this.path, controllers: this.controllers, kill, ...(this.why === undefined ? {} : { why: this.why }) };
  }

  /** A new, empty cgroup for one worker process, with the limits its controllers allow. */
  create(name: string, limits: ResourceLimits | undefined): WorkerCgroup {
    const path = join(this.path, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${++this.#count}`);
    mkdirSync(path);
    const write = (file: string, value: string) => writeFileSync(join(path, file), value);
    if (limits?.memoryMax !== undefined && this.controllers.includes('memory')) write('memory.max', String(limits.memoryMax));
    if (limits?.cpuQuota !== undefined && this.controllers.includes('cpu')) write('cpu.max', `${Math.max(1000, Math.round((limits.cpuQuota / 100) * cpuPeriodUs))} ${cpuPeriodUs}`);
    if (limits?.tasksMax !== undefined && this.controllers.includes('pids')) write('pids.max', String(limits.tasksMax));
    return new WorkerCgroup(path, this.hasKill);
  }

  /** Removes Portico's subtree once its workers' cgroups are gone. */
  close(): void {
    try {
      rmdirSync(this.path);
    } catch {
      // A worker's cgroup still there (a process that would not die): left for the operator.
    }
  }
}

/** One worker's cgroup: every process the backend started, however it detached itself. */
export class WorkerCgroup {
  readonly path: string;
  readonly #hasKill: boolean;

  constructor(path: string, hasKill: boolean) {
    this.path = path;
    this.#hasKill = hasKill;
  }

  /** The file a process writes its own pid to, to join this cgroup before it execs the backend. */
  get procsFile(): string {
    return join(this.path, 'cgroup.procs');
  }

  pids(): number[] {
    return (readText(this.procsFile) ?? '').split('\n').filter(Boolean).map(Number);
  }

  /**
   * Sends `signal` to every process in the cgroup (systemd's KillMode=control-group), but those of
   * process group `signalledGroup`, which the caller has just signalled as a group: a process sent
   * SIGTERM twice may take the second as "stop now" and cut its drain (a Node backend that
   * handles SIGTERM with `process.once` is ended by it).
   */
  signal(signal: NodeJS.Signals, signalledGroup?: number): void {
    if (signal === 'SIGKILL' && this.#hasKill) {
      // The kernel kills the whole subtree, forks racing with it included (Linux 5.14+).
      try {
        writeFileSync(join(this.path, 'cgroup.kill'), '1');
        return;
      } catch {
        // Gone already, or refused: the pids one by one below.
      }
    }
    for (const pid of this.pids()) {
      if (signalledGroup !== undefined && processGroupOf(pid) === signalledGroup) continue;
      try {
        process.kill(pid, signal);
      } catch {
        // ESRCH: it ended meanwhile.
      }
    }
  }

  /**
   * Kills what is left and resolves once the cgroup is empty and removed, or after `limitMs`
   * (a process stuck in the kernel). Without cgroup.kill, a fork between reading cgroup.procs
   * and the kill is caught by the next round.
   */
  async end(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs;
    for (;;) {
      this.signal('SIGKILL');
      try {
        rmdirSync(this.path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || Date.now() >= until) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/**
 * Removes the subtrees of Porticos that ended without closing theirs (killed, or a test process
 * that exited): empty cgroups left in the hierarchy. One whose processes still run is left alone.
 */
function sweepLeftovers(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const owner = /^portico-(\d+)-\d+$/.exec(entry)?.[1];
    if (owner === undefined || Number(owner) === process.pid || pidRuns(Number(owner))) continue;
    const tree = join(parent, entry);
    try {
      for (const child of readdirSync(tree, { withFileTypes: true })) if (child.isDirectory()) rmdirSync(join(tree, child.name));
      rmdirSync(tree);
    } catch {
      // Processes still in it, or another Portico sweeping too: left as it is.
    }
  }
}

/**
 * Moves Portico's own processes in `own` (Portico and its descendants there, such as fronts; each
 * worker has a cgroup of its own) into the leaf `own/portico`, so that `own` holds none and may
 * enable controllers for its children: what systemd asks of a `Delegate=yes` service. Moves
 * nothing if `own` holds another's process (the shell that started Portico, a sidecar): that one
 * is not Portico's to move. Returns why `own` still holds processes, in the operator's terms.
 */
function moveIntoLeaf(own: string): string | undefined {
  const leaf = join(own, leafName);
  // One of Portico's processes may fork while they move: the child is born in `own`, and the next
  // round moves it.
  for (let round = 0; round < 3; round++) {
    const pids = words(join(own, 'cgroup.procs')).map(Number).filter((pid) => existsSync(`/proc/${pid}`));
    if (pids.length === 0) return undefined;
    const foreign = pids.filter((pid) => !isPorticos(pid));
    if (foreign.length > 0) return `it also holds processes that are not Portico's (${foreign.slice(0, 5).map(describeProcess).join(', ')}), and Portico moves only its own`;
    try {
      mkdirSync(leaf);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return `Portico could not create the leaf ${leaf} to move itself into (${code})`;
    }
    for (const pid of pids) {
      try {
        writeFileSync(join(leaf, 'cgroup.procs'), String(pid));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ESRCH') return `moving its process ${pid} into the leaf ${leaf} failed (${code}${hint(code)})`;
      }
    }
  }
  return `processes kept appearing in it while Portico moved its own into the leaf ${leaf}`;
}

/** Enables `controllers` for the children of `cgroup`; the error code if the kernel refuses. */
function enable(cgroup: string, controllers: readonly string[]): string | undefined {
  if (controllers.length === 0) return undefined;
  try {
    writeFileSync(join(cgroup, 'cgroup.subtree_control'), controllers.map((c) => `+${c}`).join(' '));
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** What an error code from a cgroup write means for the operator. */
function hint(code: string | undefined): string {
  if (code === 'EBUSY') return ': a process entered the cgroup meanwhile';
  if (code === 'EACCES' || code === 'EPERM') return ': Portico may not write there; run it as root, or under systemd with Delegate=yes';
  if (code === 'EOPNOTSUPP') return ': a threaded cgroup, where these controllers cannot be enabled';
  return '';
}

/** Whether `pid` is Portico or one of its descendants: the only processes Portico moves. */
function isPorticos(pid: number): boolean {
  for (let at: number | undefined = pid, depth = 0; at !== undefined && at > 1 && depth < 64; depth++) {
    if (at === process.pid) return true;
    at = parentOf(at);
  }
  return false;
}

/** `1234 (sh)`. */
function describeProcess(pid: number): string {
  const name = readText(`/proc/${pid}/comm`)?.trim();
  return name === undefined ? String(pid) : `${pid} (${name})`;
}

/**
 * Why the workers' cgroups lack some of memory, cpu and pids, in the operator's terms. A
 * controller reaches Portico's subtree only if Portico's own cgroup enables it for its children
 * (`cgroup.subtree_control`), and the kernel lets a cgroup other than the root enable none while
 * it holds processes (cgroup v2's no-internal-process rule): Portico moves its own processes into
 * a leaf first (`moveIntoLeaf`), and says here what stopped it.
 */
function whyNoLimits(mount: string, own: string, subtree: string, failed: { readonly leafWhy: string | undefined; readonly ownEnableError: string | undefined; readonly enableError: string | undefined }): string {
  const { leafWhy, ownEnableError, enableError } = failed;
  if (enableError !== undefined) return `Portico's cgroup ${own} gives ${subtree} the controllers, but enabling them for its workers failed (${enableError}${hint(enableError)})`;
  const enabled = words(join(own, 'cgroup.subtree_control'));
  const missing = limitControllers.filter((c) => !enabled.includes(c));
  const owned = words(join(own, 'cgroup.controllers')).filter((c) => missing.includes(c as (typeof limitControllers)[number]));
  const rule = "the kernel lets a cgroup other than the root do so only while it holds no process (cgroup v2's no-internal-process rule)";
  if (owned.length > 0) {
    const has = `Portico's cgroup ${own} has the ${either(owned, 'and')} controller${owned.length === 1 ? '' : 's'} but does not enable them for its children (its cgroup.subtree_control)`;
    if (leafWhy !== undefined) return `${has}, and Portico cannot: ${rule}, and ${leafWhy}; start Portico alone in a cgroup of its own (under systemd: Delegate=yes, with no other process in the service)`;
    if (ownEnableError !== undefined) return `${has}: Portico moved its own processes into the leaf ${join(own, leafName)}, but enabling them failed (${ownEnableError}${hint(ownEnableError)})`;
    return `${has}, and ${rule}`;
  }
  const hybrid = mount.endsWith('/unified') ? ': a hybrid hierarchy, where cgroup v1 holds the controllers and cgroup v2 has none' : ' (its parent does not enable them for it)';
  const stayed = leafWhy === undefined ? '' : `; Portico also left its processes in that cgroup: ${leafWhy}`;
  return `Portico's cgroup ${own} is given no ${either(missing, 'or')} controller in cgroup v2${hybrid}${stayed}`;
}

/** `a`, `a and b`, `a, b and c`. */
function either(names: readonly string[], conjunction: 'and' | 'or'): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)!}`;
}

function words(file: string): string[] {
  return (readText(file) ?? '').split(/\s+/).filter(Boolean);
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Where cgroup2 is mounted: `/sys/fs/cgroup` (unified) or `/sys/fs/cgroup/unified` (hybrid). */
function cgroup2Mount(): string | undefined {
  for (const line of (readText('/proc/self/mountinfo') ?? '').split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional…] - fstype source superoptions
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] === 'cgroup2') return before!.split(' ')[4]?.replace(/\\040/g, ' ');
  }
  return undefined;
}

/** The parent of `pid`, from /proc/PID/stat (its 4th field). */
function parentOf(pid: number): number | undefined {
  return statField(pid, 1);
}

/** The process group of `pid`, from /proc/PID/stat (its 5th field, after the command in parentheses). */
function processGroupOf(pid: number): number | undefined {
  return statField(pid, 2);
}

/** Field `index` of /proc/PID/stat, counted from the state, after the command in parentheses. */
function statField(pid: number, index: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields === undefined ? undefined : Number(fields[index]);
}
