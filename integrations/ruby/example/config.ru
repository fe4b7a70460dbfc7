# The example of integrations/ruby/README.md: it answers with what Portico said about the request.
require "json"
require_relative "../portico"

use Portico::Middleware
run lambda { |env|
  exit!(3) if env["PATH_INFO"] == "/crash"
  if env["PATH_INFO"] == "/slow" # in flight while the tests send SIGTERM
    $stderr.puts "slow: started"
    sleep 1
  end
  info = Portico.info(env)&.transform_values { |v| v.is_a?(String) && v.encoding == Encoding::BINARY ? [v].pack("m0") : v }
  body = JSON.generate(pid: Process.pid, path: env["PATH_INFO"], applPath: ENV["PORTICO_APPL_PATH"], sawToken: env.key?("HTTP_X_PORTICO_TOKEN"), portico: info)
  [200, { "content-type" => "application/json" }, [body]]
}
