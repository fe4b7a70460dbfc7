package main

import (
	"fmt"
	"log"
	"net/http"

	"portico/integration"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		info := portico.Info(r) // nil without Portico
		if info == nil {
			info = &portico.RequestInfo{ClientAddress: "somewhere"}
		}
		if info.User == "" { // an app without auth: Portico names no user
			info.User = "stranger"
		}
		fmt.Fprintf(w, "hello %s from %s\n", info.User, info.ClientAddress)
	})
	// Listens where Portico says, checks the token, signals ready, drains on SIGTERM.
	if err := portico.Serve(http.DefaultServeMux); err != nil {
		log.Fatal(err)
	}
}
