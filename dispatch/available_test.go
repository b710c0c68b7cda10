package dispatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAvailable(t *testing.T) {
	grid := "370781006033001"
	c := Case{ID: 1, Status: StatusReported, GridCode: grid, CommunityCode: grid[:12], StreetCode: grid[:9],
		ReporterID: "r1"}
	tests := []struct {
		name   string
		c      Case
		actor  Actor
		expect []string
	}{
		{"dispatcher on a new case", c, Actor{Role: RoleDispatcher, Unit: grid[:9]},
			[]string{"hear", "escalate", "suspend", "cancel", "merge"}},
		{"grid worker on a new case", c, Actor{Role: RoleGridWorker, Unit: grid},
			[]string{"hear", "escalate", "merge"}},
		{"dispatcher of another street", c, Actor{Role: RoleDispatcher, Unit: "370781001"}, nil},
		{"the reporter", c, Actor{Role: RoleResident, Unit: "public", Subject: "r1"}, []string{"cancel"}},
		{"a planner", c, Actor{Role: RolePlanner, Unit: grid[:9]}, nil},
		{"pending case heard: no resolve", func() Case { d := c; d.Status, d.Classification = StatusHeard, ClassPending; return d }(),
			Actor{Role: RoleGridWorker, Unit: grid}, []string{"hear", "escalate", "merge"}},
		{"immediate case heard: resolve", func() Case { d := c; d.Status, d.Classification = StatusHeard, ClassImmediate; return d }(),
			Actor{Role: RoleGridWorker, Unit: grid}, []string{"hear", "resolve", "escalate", "merge"}},
		{"verified, the reporter rates", func() Case { d := c; d.Status = StatusVerified; return d }(),
			Actor{Role: RoleResident, Unit: "public", Subject: "r1"}, []string{"rate", "cancel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.expect, Available(tt.c, tt.actor))
		})
	}
}
