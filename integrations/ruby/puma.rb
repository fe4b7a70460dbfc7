# Puma settings for a Rack app behind Portico: puma -C /path/to/puma.rb config.ru
# Binds where Portico says (fd 3, PORTICO_SOCKET or the port), writes READY=1 once booted (use
# "readiness": { "kind": "notify" }), and on SIGTERM finishes the requests in flight and exits 0.
require_relative "portico"

bind Portico.puma_bind
# Puma takes over the socket Portico passes as fd 3 (LISTEN_FDS) itself, and removes the
# variables before reading this file; "only" then drops the bind above in favour of that socket.
bind_to_activated_sockets "only"
# Exit 0 after a graceful stop instead of re-raising SIGTERM.
raise_exception_on_sigterm false
# Portico's default shutdownTimeLimit is 10 s; finish requests in flight well before it.
force_shutdown_after Integer(ENV.fetch("PORTICO_GRACE_SECONDS", "8"))
log_requests true
# Puma 5 has no on_booted setting; a plugin reaches the same event (Puma binds after it loads
# the app, so the TCP check is right too).
Puma::Plugins.register("portico", Class.new(Puma::Plugin) do
  def start(launcher)
    launcher.events.on_booted { Portico.signal_ready }
  end
end)
plugin "portico"
