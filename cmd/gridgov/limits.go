package main

import (
	"fmt"
	"strconv"
	"time"

	"gridgov/api"
)

// Defaults of the limits (README "Limits").
const (
	defaultRatePublic     = "60/1m"
	defaultRateStaff      = "600/1m"
	defaultMaxHeaderBytes = 64 << 10
)

// readLimits reads the request limits and the HTTP server's timeouts from the environment.
func readLimits(getenv func(string) string, e *env) error {
	e.http = httpLimits{readHeaderTimeout: 5 * time.Second, readTimeout: 30 * time.Second,
		writeTimeout: 60 * time.Second, idleTimeout: 120 * time.Second, maxHeaderBytes: defaultMaxHeaderBytes}
	for _, r := range []struct {
		name, def string
		dst       *api.Rate
	}{{"GRIDGOV_RATE_PUBLIC", defaultRatePublic, &e.limits.Public}, {"GRIDGOV_RATE_STAFF", defaultRateStaff, &e.limits.Staff}} {
		s := getenv(r.name)
		if s == "" {
			s = r.def
		}
		v, err := api.ParseRate(s)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		*r.dst = v
	}
	var err error
	if s := getenv("GRIDGOV_TRUSTED_PROXIES"); s != "" {
		if e.limits.TrustedProxies, err = api.ParsePrefixes(s); err != nil {
			return fmt.Errorf("GRIDGOV_TRUSTED_PROXIES: %w", err)
		}
	}
	if s := getenv("GRIDGOV_METRICS_FROM"); s != "" {
		if e.limits.MetricsFrom, err = api.ParsePrefixes(s); err != nil {
			return fmt.Errorf("GRIDGOV_METRICS_FROM: %w", err)
		}
	}
	for _, n := range []struct {
		name     string
		min, max int64
		set      func(int64)
	}{
		{"GRIDGOV_MAX_BODY", 64 << 10, 1 << 30, func(v int64) { e.limits.MaxBody = v }},
		{"GRIDGOV_RATE_CLIENTS", 100, 10_000_000, func(v int64) { e.limits.MaxClients = int(v) }},
		{"GRIDGOV_MAX_HEADER_BYTES", 4 << 10, 1 << 20, func(v int64) { e.http.maxHeaderBytes = int(v) }},
	} {
		if s := getenv(n.name); s != "" {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < n.min || v > n.max {
				return fmt.Errorf("%s=%q: want a whole number from %d to %d", n.name, s, n.min, n.max)
			}
			n.set(v)
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"GRIDGOV_READ_HEADER_TIMEOUT", &e.http.readHeaderTimeout}, {"GRIDGOV_READ_TIMEOUT", &e.http.readTimeout},
		{"GRIDGOV_WRITE_TIMEOUT", &e.http.writeTimeout}, {"GRIDGOV_IDLE_TIMEOUT", &e.http.idleTimeout}} {
		if s := getenv(d.name); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v < time.Second || v > time.Hour {
				return fmt.Errorf("%s=%q: want a duration from 1s to 1h, such as 30s", d.name, s)
			}
			*d.dst = v
		}
	}
	return nil
}
