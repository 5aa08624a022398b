package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ssehub/ssehub/internal/ssetest"
)

// families is one scrape, by metric name.
type families map[string]*dto.MetricFamily

// scrape GETs url with the bearer key (none if "") and parses the answer,
// which must be a 200 in the text format.
func scrape(t *testing.T, client *http.Client, url, key string) families {
	t.Helper()
	code, fams := tryScrape(t, client, url, key)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", url, code)
	}
	return fams
}

// tryScrape is scrape that returns the status instead of requiring a 200.
func tryScrape(t *testing.T, client *http.Client, url, key string) (int, families) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ssetest.Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: parsing the metrics: %v", url, err)
	}
	return resp.StatusCode, fams
}

// labels is "name=value,name=value" (in the family's label order), or "".
func labelsOf(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, ",")
}

// value returns the value of the sample of name with exactly labels
// ("reason=kicked"; "" for none): a counter's or gauge's value, a
// histogram's count. A missing sample fails the test.
func (f families) value(t *testing.T, name, labels string) float64 {
	t.Helper()
	fam, ok := f[name]
	if !ok {
		t.Fatalf("no metric %s in the scrape", name)
	}
	var seen []string
	for _, m := range fam.GetMetric() {
		if labelsOf(m) != labels {
			seen = append(seen, labelsOf(m))
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
		t.Fatalf("%s{%s} is neither a counter, a gauge nor a histogram", name, labels)
	}
	slices.Sort(seen)
	t.Fatalf("no sample %s{%s}; there are {%s}", name, labels, strings.Join(seen, "} {"))
	return 0
}

// expect checks the samples of want ("name{labels}" → value).
func (f families) expect(t *testing.T, want map[string]float64) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, labels, _ := strings.Cut(strings.TrimSuffix(k, "}"), "{")
		if got := f.value(t, name, labels); got != want[k] {
			t.Errorf("%s = %v, want %v", k, got, want[k])
		}
	}
}

// sum adds up every sample of name (counters and gauges).
func (f families) sum(t *testing.T, name string) float64 {
	t.Helper()
	fam, ok := f[name]
	if !ok {
		t.Fatalf("no metric %s in the scrape", name)
	}
	total := 0.0
	for _, m := range fam.GetMetric() {
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return total
}

// describe names a sample, for failure messages.
func describe(fam *dto.MetricFamily, m *dto.Metric) string {
	return fmt.Sprintf("%s{%s}", fam.GetName(), labelsOf(m))
}
