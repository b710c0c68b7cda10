package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gridgov/api"
	"gridgov/data"
	"gridgov/dispatch"
)

const (
	minTokenTTL = time.Minute
	maxTokenTTL = 8760 * time.Hour
)

// tokenCmd prints a bearer token for a role scoped to a unit, alone on stdout. Mistakes on the command line exit 2;
// a unit the database does not know, or one of a kind the role cannot hold, exits 1.
func tokenCmd(ctx context.Context, e env, args []string, stdout, stderr io.Writer) error {
	var roles []string
	for _, r := range dispatch.Roles {
		if r != dispatch.RoleSystem { // never in a token
			roles = append(roles, string(r))
		}
	}
	fs := newFlags("token", stderr)
	role := fs.String("role", "", strings.Join(roles, "|"))
	unit := fs.String("unit", "", "the unit, department or county code the token is scoped to")
	sub := fs.String("sub", "", "the subject, a person's code or a client's name (default role:unit)")
	ttl := fs.Duration("ttl", 720*time.Hour, "how long the token is valid, from 1m to 8760h")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "gridgov token: "+format+"\n", a...)
		return exitError(2)
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *role == "":
		return usageErr("--role is required: %s", strings.Join(roles, "|"))
	case !slices.Contains(roles, *role):
		return usageErr("--role %q is not a role: want %s", *role, strings.Join(roles, "|"))
	case *unit == "":
		return usageErr("--unit is required: the code of a unit, a department or a county")
	case *ttl < minTokenTTL || *ttl > maxTokenTTL:
		return usageErr("--ttl %v is out of range: want from 1m to 8760h", *ttl)
	}
	if *sub == "" {
		*sub = *role + ":" + *unit
	}
	a := dispatch.Actor{Role: dispatch.Role(*role), Unit: *unit, Subject: *sub}

	pool, err := data.Open(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := data.Migrate(ctx, pool); err != nil {
		return err
	}
	kind, ok, err := data.UnitExists(ctx, pool, a.Unit)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(stderr, "gridgov token: --unit %s: no unit, department or county has this code\n", a.Unit)
		return exitError(1)
	}
	if want := unitKinds(a.Role); !slices.Contains(want, kind) {
		fmt.Fprintf(stderr, "gridgov token: --unit %s is a %s; role %s needs a %s\n", a.Unit, kind, a.Role,
			strings.Join(want, ", "))
		return exitError(1)
	}
	// The key is the server's: GRIDGOV_TOKEN_KEY when set, otherwise the one the database holds.
	key, err := data.TokenKey(ctx, pool, e.tokenKey)
	if err != nil {
		return err
	}
	tokens, err := api.NewTokens(key)
	if err != nil {
		return err
	}
	tok, err := tokens.Issue(a, *ttl, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "gridgov token:", err)
		return exitError(2)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// unitKinds lists what a role's token may be scoped to (the kinds data.UnitExists returns).
func unitKinds(r dispatch.Role) []string {
	units := []string{"street", "community", "grid", "building"}
	switch r {
	case dispatch.RoleDepartment:
		return []string{"department"}
	case dispatch.RoleResident, dispatch.RoleGridWorker, dispatch.RoleGridChief:
		return units
	}
	return append(units, "county")
}
