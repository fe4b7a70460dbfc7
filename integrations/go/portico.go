// Package portico implements Portico's backend contract for net/http, with the standard library
// only: Wrap rejects every request without the right x-portico-token (400, logged to stderr) and
// gives the handler what Portico said about the request through Info; Listen listens where
// Portico says; Serve does both, signals readiness and drains on SIGTERM.
//
//	func main() {
//		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintf(w, "hello %s\n", portico.Info(r).User)
//		})
//		if err := portico.Serve(http.DefaultServeMux); err != nil {
//			log.Fatal(err)
//		}
//	}
package portico

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// TokenHeader carries the pairing token on every request Portico forwards.
const TokenHeader = "X-Portico-Token"

// RequestInfo is what Portico said about a request; it exists only behind a valid token.
type RequestInfo struct {
	ClientAddress     string                 `json:"clientAddress,omitempty"`
	Protocol          string                 `json:"protocol,omitempty"`
	Host              string                 `json:"host,omitempty"`
	Port              int                    `json:"port,omitempty"`
	Prefix            string                 `json:"prefix,omitempty"`
	RequestID         string                 `json:"requestId,omitempty"`
	User              string                 `json:"user,omitempty"`
	AuthScheme        string                 `json:"authScheme,omitempty"`
	Claims            map[string]interface{} `json:"claims,omitempty"`
	ClientCertificate []byte                 `json:"clientCertificate,omitempty"`
}

type infoKey struct{}

// Info returns what Portico said about r, or nil when r did not pass Wrap's check (or the
// process runs without Portico).
func Info(r *http.Request) *RequestInfo {
	info, _ := r.Context().Value(infoKey{}).(*RequestInfo)
	return info
}

// Wrap checks the pairing token on every request when PORTICO_TOKEN is set. Without it (no
// Portico: development, tests) requests pass unchecked and Info returns nil.
func Wrap(next http.Handler) http.Handler {
	token := os.Getenv("PORTICO_TOKEN")
	if token == "" {
		return next
	}
	// Fixed-length digests keep the comparison constant-time and hide the token's length.
	expected := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values(TokenHeader)
		why := ""
		switch {
		case len(values) == 0:
			why = "the x-portico-token header is missing"
		case len(values) > 1:
			why = "the x-portico-token header is sent more than once"
		default:
			presented := sha256.Sum256([]byte(values[0]))
			if subtle.ConstantTimeCompare(presented[:], expected[:]) != 1 {
				why = "the x-portico-token header does not match this process's pairing token"
			}
		}
		if why != "" {
			path := unprintable.ReplaceAllString(r.URL.Path, "?")
			if len(path) > 200 {
				path = path[:200]
			}
			fmt.Fprintf(os.Stderr, "portico.integration.token_rejected: 400 for %s %s from %s: %s\n", r.Method, path, remoteHost(r), why)
			w.Header().Set("Connection", "close")
			http.Error(w, "Bad Request: missing or wrong x-portico-token", http.StatusBadRequest)
			return
		}
		// The token must not reach the handler, its logs or anything it forwards.
		r.Header.Del(TokenHeader)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, readInfo(r.Header))))
	})
}

var unprintable = regexp.MustCompile(`[^\x21-\x7e]`)

func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	if r.RemoteAddr == "" || r.RemoteAddr == "@" {
		return "a local socket"
	}
	return r.RemoteAddr
}

// last is the right-most entry of a list header: the one Portico wrote.
func last(h http.Header, name string) string {
	joined := strings.Join(h.Values(name), ",")
	return strings.TrimSpace(joined[strings.LastIndex(joined, ",")+1:])
}

var portSuffix = regexp.MustCompile(`^(?:\[([^\]]+)\](?::\d+)?|(\d{1,3}(?:\.\d{1,3}){3}):\d+)$`)

func readInfo(h http.Header) *RequestInfo {
	info := &RequestInfo{
		ClientAddress: last(h, "X-Forwarded-For"),
		Protocol:      strings.ToLower(last(h, "X-Forwarded-Proto")),
		Host:          last(h, "X-Forwarded-Host"),
		Prefix:        last(h, "X-Forwarded-Prefix"),
		RequestID:     h.Get("X-Request-Id"),
		User:          h.Get("X-Portico-User"),
		AuthScheme:    h.Get("X-Portico-Auth"),
	}
	if m := portSuffix.FindStringSubmatch(info.ClientAddress); m != nil {
		info.ClientAddress = m[1] + m[2]
	}
	if port, err := strconv.Atoi(last(h, "X-Forwarded-Port")); err == nil && port > 0 && port <= 65535 {
		info.Port = port
	}
	if claims := h.Get("X-Portico-Claims"); claims != "" {
		_ = json.Unmarshal([]byte(claims), &info.Claims)
	}
	if cert := h.Get("X-Portico-Client-Cert"); cert != "" {
		info.ClientCertificate, _ = base64.StdEncoding.DecodeString(cert)
	}
	return info
}

// Listen listens where Portico says: the socket passed as fd 3 (LISTEN_FDS, when LISTEN_PID is
// this process), else PORTICO_SOCKET, else PORTICO_PORT or PORT on 127.0.0.1, else (no Portico)
// 127.0.0.1:fallbackPort.
func Listen(fallbackPort int) (net.Listener, error) {
	if os.Getenv("LISTEN_FDS") != "" && os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		if n, err := strconv.Atoi(os.Getenv("LISTEN_FDS")); err != nil || n < 1 {
			return nil, fmt.Errorf("portico: LISTEN_FDS must be a whole number of at least 1, got %q", os.Getenv("LISTEN_FDS"))
		}
		return net.FileListener(os.NewFile(3, "LISTEN_FDS"))
	}
	if path := os.Getenv("PORTICO_SOCKET"); path != "" {
		_ = os.Remove(path) // Left by a killed process; the directory is Portico's own.
		return net.Listen("unix", path)
	}
	for _, name := range []string{"PORTICO_PORT", "PORT"} {
		if value := os.Getenv(name); value != "" {
			port, err := strconv.Atoi(value)
			if err != nil || port < 0 || port > 65535 {
				return nil, fmt.Errorf("portico: %s must be a port from 0 to 65535, got %q", name, value)
			}
			return net.Listen("tcp", net.JoinHostPort("127.0.0.1", value))
		}
	}
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(fallbackPort)))
}

var readyOnce sync.Once

// SignalReady writes READY=1 to PORTICO_NOTIFY_FD when it is set, once per process.
func SignalReady() (err error) {
	readyOnce.Do(func() {
		value := os.Getenv("PORTICO_NOTIFY_FD")
		if value == "" {
			return
		}
		fd, convErr := strconv.Atoi(value)
		if convErr != nil {
			err = fmt.Errorf("portico: PORTICO_NOTIFY_FD must be a whole number, got %q", value)
			return
		}
		_, err = os.NewFile(uintptr(fd), "PORTICO_NOTIFY_FD").Write([]byte("READY=1\n"))
	})
	return err
}

// GraceTime is how long Serve lets requests in flight finish after SIGTERM; keep it below the
// app's shutdownTimeLimit (10 s by default).
var GraceTime = 8 * time.Second

// Serve serves handler behind Wrap where Portico says (fallbackPort 8080 without Portico),
// signals readiness once listening, and on SIGTERM stops accepting, lets requests in flight
// finish within GraceTime and returns nil, so main can exit 0.
func Serve(handler http.Handler) error {
	listener, err := Listen(8080)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: Wrap(handler), ReadHeaderTimeout: 60 * time.Second}
	fmt.Fprintf(os.Stderr, "portico.integration.listening: %s %s\n", listener.Addr().Network(), listener.Addr())
	if err := SignalReady(); err != nil {
		return err
	}
	stopped := make(chan error, 1)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "portico.integration.shutdown_started: SIGTERM")
		ctx, cancel := context.WithTimeout(context.Background(), GraceTime)
		defer cancel()
		stopped <- server.Shutdown(ctx)
	}()
	if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	err = <-stopped
	fmt.Fprintln(os.Stderr, "portico.integration.shutdown_finished")
	return err
}
