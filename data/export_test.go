package data

import (
	"context"

	"gridgov/dispatch"
)

// CreateTogether writes the cases as one group commit, as the writer does for requests that arrive together.
func (s *CaseStore) CreateTogether(ctx context.Context, ncs []dispatch.NewCase) ([]dispatch.Created, []error) {
	reqs := make([]*createReq, len(ncs))
	for i, nc := range ncs {
		reqs[i] = &createReq{nc: nc, res: make(chan createRes, 1)}
	}
	s.write(0, reqs)
	out, errs := make([]dispatch.Created, len(ncs)), make([]error, len(ncs))
	for i, r := range reqs {
		res := <-r.res
		out[i], errs[i] = res.created, res.err
	}
	return out, errs
}
