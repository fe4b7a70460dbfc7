# puma -C integrations/ruby/puma.rb integrations/ruby/example/hello.ru
require_relative "../portico"

use Portico::Middleware # first: checks the token, then sets env["portico"]
run lambda { |env|
  info = Portico.info(env) || {} # nil without Portico
  [200, { "content-type" => "text/plain; charset=utf-8" },
   ["hello #{info[:user] || 'stranger'} from #{info[:client_address] || 'somewhere'}\n"]]
}
