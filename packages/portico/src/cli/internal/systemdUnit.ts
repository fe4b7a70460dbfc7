/** What a unit for one config needs to say. */
export interface UnitOptions {
  readonly file: string;
  readonly node: string;
  readonly launcher: string;
  readonly workingDirectory: string;
  readonly user: string;
  readonly path: string | undefined;
  /** Reload over the admin endpoint (`portico reload`, which fails `systemctl reload` on a refused file) rather than SIGHUP. */
  readonly reloadOverAdmin: boolean;
  /** The longest `shutdownTimeLimit` of the config's apps, in seconds. */
  readonly longestShutdown: number;
}

// systemd splits ExecStart= at spaces and takes "…" as one word; backslash escapes and `%`
// specifiers would change a path that holds them.
function word(text: string): string {
  const escaped = text.replace(/%/g, '%%');
  return /[\s"'\\;]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/** A systemd service unit that runs `portico start -c FILE` as docs/deploy.md describes it. */
export function systemdUnit(options: UnitOptions): string {
  const portico = `${word(options.node)} ${word(options.launcher)}`;
  const reload = options.reloadOverAdmin
    ? `# portico reload waits for the reload and exits 1 with the problems of a refused file, so
# "systemctl reload" fails then too.
ExecReload=${portico} reload -c ${word(options.file)}`
    : `# SIGHUP loads the file again; a refused file is logged and the running config kept. With an
# "admin" section, "portico reload -c FILE" here would make "systemctl reload" fail on it.
ExecReload=/bin/kill -HUP $MAINPID`;
  const path = options.path === undefined ? '' : `# The PATH "portico service" ran with, so that processPath finds the same commands.
Environment=${word(`PATH=${options.path}`)}
`;
  return `# Written by "portico service" for ${options.file}. Install it with:
#   portico service -c FILE | sudo tee /etc/systemd/system/NAME.service
#   sudo systemctl daemon-reload && sudo systemctl enable --now NAME
# docs/deploy.md explains each line.
[Unit]
Description=Portico for ${options.file.replace(/%/g, '%%')}
Wants=network-online.target
After=network-online.target

[Service]
# Portico stays in the foreground; its log goes to the journal as JSON lines.
Type=simple
User=${options.user}
WorkingDirectory=${word(options.workingDirectory)}
${path}ExecStart=${portico} start -c ${word(options.file)} --log-format json
${reload}
# SIGTERM goes to Portico alone, which drains and stops its backends itself; whatever is still
# in the unit's cgroup when TimeoutStopSec runs out gets SIGKILL.
KillMode=mixed
KillSignal=SIGTERM
# The unit's cgroup is Portico's to divide: each worker gets a cgroup of its own, which holds and
# ends all it starts and carries its memoryMax, cpuQuota and tasksMax (docs/worker.md).
Delegate=yes
# The longest shutdownTimeLimit of the apps (${options.longestShutdown} s) and 15 s for the last requests.
TimeoutStopSec=${options.longestShutdown + 15}
Restart=on-failure
RestartSec=2
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}
