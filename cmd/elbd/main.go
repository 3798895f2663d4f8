// Command elbd runs the elbd load balancer service.
//
//	elbd [serve] [flags]
//
// See docs/configuration.md for the flags, environment variables and
// config file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/elbd/elbd/internal/config"
	"github.com/elbd/elbd/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	cfg, err := config.Load(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Print("Usage: elbd [serve] [flags]\n\n" + config.Usage())
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.SlogLevel()}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := server.Start(ctx, cfg, log, os.Stdout)
	if err != nil {
		log.Error("elbd failed to start", "err", err)
		return 1
	}
	code := 0
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-s.Err():
		log.Error("elbd stopped", "err", err)
		code = 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		code = 1
	}
	return code
}
