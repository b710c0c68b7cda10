package dispatch

import "slices"

// Available lists, in the order of Actions, the actions the actor may take on the case as it stands: those its
// role and unit permit (Permitted) and its status allows. It is what a client shows as buttons; Apply still
// checks each action's arguments. merge, whose target the store checks, is included when the status allows it.
func Available(c Case, actor Actor) []string {
	var out []string
	for _, name := range Actions {
		if Permitted(c, name, actor) != nil || !slices.Contains(allowedFrom(name), c.Status) {
			continue
		}
		if name == "resolve" && c.Status == StatusHeard && c.Classification != ClassImmediate {
			continue
		}
		if name == "resume" && !slices.Contains(allowedFrom("suspend"), c.SuspendedFrom) {
			continue
		}
		out = append(out, name)
	}
	return out
}
