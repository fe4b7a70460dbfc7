# frozen_string_literal: true

# Portico's backend contract for Rack, with Ruby's standard library only.
#
#   require_relative "portico"
#   use Portico::Middleware        # in config.ru, first
#   run ->(env) { [200, {}, ["hello #{Portico.info(env)&.fetch(:user, nil)}\n"]] }
#
# Under Portico (PORTICO_TOKEN set) every request without the right x-portico-token is answered
# 400 and logged to stderr; a request with it reaches the app without the token header and with
# what Portico said about it in env["portico"]. Without Portico the check is off and
# env["portico"] is absent. puma.rb beside this file binds Puma where Portico says.
require "base64"
require "digest"
require "json"
require "openssl"
require "socket"

module Portico
  TOKEN_KEY = "HTTP_X_PORTICO_TOKEN"

  # A contract variable is set but malformed; the message names it.
  class InvalidEnvironment < ArgumentError; end

  module_function

  # What Portico said about the request, or nil when it did not pass the check.
  def info(env)
    env["portico"]
  end

  # Where to listen: [:fd, 3], [:unix, path], [:tcp, port] or nil (no Portico).
  def listen_instruction(env = ENV)
    # systemd's sd_listen_fds(3): fd 3 is meant for LISTEN_PID only.
    return [:fd, 3] if env["LISTEN_FDS"].to_s != "" && env["LISTEN_PID"] == Process.pid.to_s && env["LISTEN_FDS"].to_i.positive?
    return [:unix, env["PORTICO_SOCKET"]] if env["PORTICO_SOCKET"].to_s != ""

    %w[PORTICO_PORT PORT].each do |name|
      value = env[name].to_s
      next if value.empty?
      raise InvalidEnvironment, "#{name} must be a port from 0 to 65535, got #{value.inspect}" unless value.match?(/\A\d{1,5}\z/) && value.to_i <= 65_535

      return [:tcp, value.to_i]
    end
    nil
  end

  # Puma's bind URI. For fd 3 it names the inherited socket's address: Puma takes over a
  # systemd-activated socket whose address matches a bind.
  def puma_bind(fallback_port = 9292, env = ENV)
    mode, where = listen_instruction(env)
    case mode
    when :fd
      socket = Socket.for_fd(3)
      socket.autoclose = false # Puma owns fd 3; this object must not close it when collected.
      address = socket.local_address
      address.unix? ? "unix://#{address.unix_path}" : "tcp://#{address.ip_address}:#{address.ip_port}"
    when :unix then "unix://#{where}"
    else "tcp://127.0.0.1:#{where || fallback_port}"
    end
  end

  @ready = false
  # Writes READY=1 to PORTICO_NOTIFY_FD when it is set, once per process.
  def signal_ready(env = ENV)
    return false if @ready || env["PORTICO_NOTIFY_FD"].to_s.empty?

    pipe = IO.new(Integer(env["PORTICO_NOTIFY_FD"], 10), "w", autoclose: false)
    pipe.syswrite("READY=1\n")
    @ready = true
  end

  # Rack middleware: the token check, then env["portico"] for the app.
  class Middleware
    BODY = "Bad Request: missing or wrong x-portico-token\n"

    def initialize(app, env: ENV, require_token: false)
      @app = app
      token = env["PORTICO_TOKEN"]
      raise InvalidEnvironment, "PORTICO_TOKEN is set but empty" if token == ""
      raise InvalidEnvironment, "PORTICO_TOKEN is not set and require_token is true" if token.nil? && require_token

      # Fixed-length digests keep the comparison constant-time and hide the token's length.
      @digest = token && Digest::SHA256.digest(token.b)
    end

    def call(env)
      return @app.call(env) if @digest.nil?

      why = why_rejected(env[TOKEN_KEY])
      return reject(env, why) if why

      # The token must not reach the app, its logs or anything it forwards.
      env.delete(TOKEN_KEY)
      env["portico"] = Portico.read_info(env)
      @app.call(env)
    end

    private

    def why_rejected(value)
      return "the x-portico-token header is missing" if value.nil?
      # Servers join a repeated header with ","; a token never holds one.
      return "the x-portico-token header is sent more than once" if value.include?(",")
      return nil if OpenSSL.fixed_length_secure_compare(Digest::SHA256.digest(value.b), @digest)

      "the x-portico-token header does not match this process's pairing token"
    end

    def reject(env, why)
      path = env["PATH_INFO"].to_s.gsub(/[^\x21-\x7e]/, "?")[0, 200]
      from = env["REMOTE_ADDR"].to_s.empty? ? "a local socket" : env["REMOTE_ADDR"]
      $stderr.puts "portico.integration.token_rejected: 400 for #{env['REQUEST_METHOD']} #{path} from #{from}: #{why}"
      [400, { "content-type" => "text/plain; charset=utf-8", "content-length" => BODY.bytesize.to_s, "connection" => "close" }, [BODY]]
    end
  end

  # The right-most entry of a list header: the one Portico wrote.
  def last(value)
    utf8(value.to_s.split(",").last.to_s.strip)
  end

  # Servers hand header values over as bytes; Portico sends identity values as UTF-8.
  def utf8(value)
    return nil if value.nil? || value.empty?

    text = value.dup.force_encoding(Encoding::UTF_8)
    text.valid_encoding? ? text : value
  end

  def read_info(env)
    address = last(env["HTTP_X_FORWARDED_FOR"])
    address = Regexp.last_match(1) || Regexp.last_match(2) if address&.match(/\A(?:\[([^\]]+)\](?::\d+)?|(\d{1,3}(?:\.\d{1,3}){3}):\d+)\z/)
    port = last(env["HTTP_X_FORWARDED_PORT"])
    claims = begin
      parsed = JSON.parse(utf8(env["HTTP_X_PORTICO_CLAIMS"]) || "null")
      parsed.is_a?(Hash) ? parsed : nil
    rescue JSON::ParserError
      nil
    end
    certificate = env["HTTP_X_PORTICO_CLIENT_CERT"].to_s
    {
      client_address: address,
      protocol: last(env["HTTP_X_FORWARDED_PROTO"])&.downcase,
      host: last(env["HTTP_X_FORWARDED_HOST"]),
      prefix: last(env["HTTP_X_FORWARDED_PREFIX"]),
      port: port&.match?(/\A\d{1,5}\z/) && port.to_i <= 65_535 ? port.to_i : nil,
      request_id: utf8(env["HTTP_X_REQUEST_ID"]),
      user: utf8(env["HTTP_X_PORTICO_USER"]),
      auth_scheme: utf8(env["HTTP_X_PORTICO_AUTH"]),
      claims: claims,
      client_certificate: certificate.empty? ? nil : (Base64.strict_decode64(certificate) rescue nil)
    }
  end
end
