package metrics_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ssehub/ssehub"
)

// The values each label of the ssehub_ metrics may take: the core's fixed
// kinds, nothing a client or publisher chooses, as a hub's Metrics lists
// them (every label of each set is in its map).
func allowedLabels(m ssehub.Metrics) map[string][]string {
	allowed := map[string][]string{"ephemeral": {"false", "true"}}
	allowed["protocol"] = slices.Collect(maps.Keys(m.Streams))
	allowed["target"] = slices.Collect(maps.Keys(m.Published))
	for _, reasons := range []map[string]uint64{m.Closed, m.Refused, m.Resets} {
		allowed["reason"] = slices.AppendSeq(allowed["reason"], maps.Keys(reasons))
	}
	return allowed
}

// No label value of any metric is a client id or a topic, whatever the
// workload names: the ssehub_ labels take only their fixed values, and no
// other collector's label mentions them.
func TestNoLabelCarriesAClientOrTopic(t *testing.T) {
	f := newFixture(t, ssehub.Config{Heartbeat: -1, Limits: ssehub.Limits{MaxStreamsPerClient: 1}})
	var names []string
	for i := range 6 {
		client, topic := fmt.Sprintf("client-q7%d", i), fmt.Sprintf("topic-z9%d", i)
		names = append(names, client, topic)
		s := f.stream(t, i%2 == 0, "id="+client+"&topic="+topic)
		if code := f.refused(t, "id="+client); code != http.StatusTooManyRequests {
			t.Fatalf("a second stream of %s: %d, want 429", client, code)
		}
		f.publish(t, `{"clients": ["`+client+`"], "topics": ["`+topic+`"], "data": "x"}`)
		s.Expect(t, "x")
		if i%3 == 0 {
			f.do(t, http.MethodDelete, "/clients/"+client, "")
		}
	}
	f.publish(t, `{"topics": ["topic-never-subscribed"], "data": "y"}`)
	names = append(names, "topic-never-subscribed")

	allowed := allowedLabels(f.hub.Metrics())
	for _, fam := range f.metrics(t) {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, n := range names {
					if strings.Contains(l.GetValue(), n) {
						t.Errorf("%s: label %s=%q carries %q", describe(fam, m), l.GetName(), l.GetValue(), n)
					}
				}
				if !strings.HasPrefix(fam.GetName(), "ssehub_") {
					continue
				}
				if values, ok := allowed[l.GetName()]; !ok || !slices.Contains(values, l.GetValue()) {
					t.Errorf("%s: label %s=%q is not one of the fixed values %q", describe(fam, m), l.GetName(), l.GetValue(), values)
				}
			}
		}
	}
}
