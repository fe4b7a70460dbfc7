// The example of integrations/go/README.md: it answers with what Portico said about the request.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"portico/integration"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/crash" {
			os.Exit(3)
		}
		if r.URL.Path == "/slow" { // in flight while the tests send SIGTERM
			fmt.Fprintln(os.Stderr, "slow: started")
			time.Sleep(time.Second)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]interface{}{
			"pid": os.Getpid(), "path": r.URL.Path, "applPath": os.Getenv("PORTICO_APPL_PATH"), "sawToken": r.Header.Get(portico.TokenHeader) != "",
			"portico": portico.Info(r),
		})
	})
	if err := portico.Serve(http.DefaultServeMux); err != nil {
		log.Fatal(err)
	}
}
