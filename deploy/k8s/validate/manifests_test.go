// Package validate checks deploy/k8s without a cluster: every document of
// every manifest decodes strictly (unknown or duplicate fields fail) into the
// Kubernetes API type its apiVersion and kind name, and the objects agree
// with each other and with rpsio (probes, drain, selectors, secret).
//
// It is a module of its own so that k8s.io/api stays out of rpsio's go.mod.
package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

// decodeStrict decodes one YAML document into the typed object of its
// apiVersion and kind, failing on unknown and duplicate fields.
func decodeStrict(doc []byte) (runtime.Object, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, err
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		return nil, err
	}
	gvk := schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
	obj, err := scheme.New(gvk)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gvk, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return nil, fmt.Errorf("%s: %w", gvk, err)
	}
	return obj, nil
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// manifests decodes every document of deploy/k8s/*.yaml.
func manifests(t *testing.T) map[string][]runtime.Object {
	t.Helper()
	files, err := filepath.Glob("../*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/k8s: %v", err)
	}
	out := map[string][]runtime.Object{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSep.Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			obj, err := decodeStrict([]byte(doc))
			if err != nil {
				t.Errorf("%s document %d: %v", f, i+1, err)
				continue
			}
			out[filepath.Base(f)] = append(out[filepath.Base(f)], obj)
		}
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func find[T runtime.Object](all map[string][]runtime.Object, name string) T {
	var zero T
	for _, objs := range all {
		for _, o := range objs {
			if v, ok := o.(T); ok && o.(metav1.Object).GetName() == name {
				return v
			}
		}
	}
	return zero
}

// The validator itself rejects what it must: a field the API does not have,
// a field given twice, a kind it does not know.
func TestDecodeStrictRejects(t *testing.T) {
	bad := map[string]string{
		"unknown field": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 2\n  replicass: 3\n",
		"nested typo":   "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports:\n    - port: 80\n      targetPrt: 3000\n",
		"duplicate key": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nmetadata: {name: y}\n",
		"unknown kind":  "apiVersion: v1\nkind: Servise\nmetadata: {name: x}\n",
		"wrong type":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two}\n",
	}
	for name, doc := range bad {
		if _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := decodeStrict([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80}]}\n")); err != nil {
		t.Errorf("a valid Service: %v", err)
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	all := manifests(t)
	want := map[string]int{"redis.yaml": 2, "rpsio.yaml": 4, "ingress.yaml": 1}
	for f, n := range want {
		if len(all[f]) != n {
			t.Errorf("%s: %d objects, want %d", f, len(all[f]), n)
		}
	}
}

func TestRpsioDeployment(t *testing.T) {
	all := manifests(t)
	d := find[*appsv1.Deployment](all, "rpsio")
	if d == nil {
		t.Fatal("no Deployment rpsio")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v, want at least 2", d.Spec.Replicas)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Fatalf("the Deployment's selector does not match its pods: %v", err)
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe %+v, want GET /readyz", p)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want GET /healthz", p)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Error("no cpu and memory requests (the HPA needs the cpu one)")
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if e := env["RPSIO_TOKEN_SECRET"]; e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.Value != "" {
		t.Error("RPSIO_TOKEN_SECRET must come from a Secret")
	}
	if env["RPSIO_REDIS_URL"].Value == "" {
		t.Error("no RPSIO_REDIS_URL: the replicas would not share anything")
	}
	drain, err := time.ParseDuration(env["RPSIO_DRAIN_TIMEOUT"].Value)
	if err != nil {
		t.Fatalf("RPSIO_DRAIN_TIMEOUT: %v", err)
	}
	var preStop time.Duration
	if l := c.Lifecycle; l != nil && l.PreStop != nil && l.PreStop.Sleep != nil {
		preStop = time.Duration(l.PreStop.Sleep.Seconds) * time.Second
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds")
	}
	grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	// The kubelet counts the preStop hook inside the grace period.
	if grace < preStop+drain || grace > preStop+drain+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v does not match preStop %v + drain %v (plus a margin of at most 10 s)", grace, preStop, drain)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 3000 || env["RPSIO_ADDR"].Value != ":3000" {
		t.Errorf("container port %+v and RPSIO_ADDR %q disagree", c.Ports, env["RPSIO_ADDR"].Value)
	}
}

func TestRpsioObjectsAgree(t *testing.T) {
	all := manifests(t)
	d := find[*appsv1.Deployment](all, "rpsio")
	if d == nil {
		t.Fatal("no Deployment rpsio")
	}
	podLabels := labels.Set(d.Spec.Template.Labels)

	svc := find[*corev1.Service](all, "rpsio")
	if svc == nil || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Fatal("the Service rpsio does not select the rpsio pods")
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != d.Spec.Template.Spec.Containers[0].Ports[0].Name {
		t.Errorf("the Service's targetPort %v is not the container's port name", svc.Spec.Ports)
	}

	pdb := find[*policyv1.PodDisruptionBudget](all, "rpsio")
	if pdb == nil {
		t.Fatal("no PodDisruptionBudget rpsio")
	}
	if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Error("the PodDisruptionBudget does not select the rpsio pods")
	}
	if pdb.Spec.MaxUnavailable == nil && pdb.Spec.MinAvailable == nil {
		t.Error("the PodDisruptionBudget sets no budget")
	}

	hpa := find[*autoscalingv2.HorizontalPodAutoscaler](all, "rpsio")
	if hpa == nil {
		t.Fatal("no HorizontalPodAutoscaler rpsio")
	}
	if r := hpa.Spec.ScaleTargetRef; r.Kind != "Deployment" || r.Name != d.Name || r.APIVersion != "apps/v1" {
		t.Errorf("the HPA targets %+v", r)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("HPA replicas %v..%d", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}

	ing := find[*networkingv1.Ingress](all, "rpsio")
	if ing == nil {
		t.Fatal("no Ingress rpsio")
	}
	a := ing.Annotations
	if a["nginx.ingress.kubernetes.io/affinity"] != "cookie" && a["nginx.ingress.kubernetes.io/upstream-hash-by"] == "" {
		t.Error("the Ingress gives long-polling clients no affinity")
	}
	for _, k := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
		var secs int
		if _, err := fmt.Sscan(a["nginx.ingress.kubernetes.io/"+k], &secs); err != nil || secs <= 45 {
			t.Errorf("%s %q: must exceed the ping interval + timeout (45 s)", k, a["nginx.ingress.kubernetes.io/"+k])
		}
	}
	if len(ing.Spec.TLS) == 0 {
		t.Error("the Ingress has no TLS")
	}
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != svc.Name || b.Port.Name != svc.Spec.Ports[0].Name {
				t.Errorf("Ingress path %s goes to %+v, not the rpsio Service", p.Path, b)
			}
		}
	}

	rsvc := find[*corev1.Service](all, "rpsio-redis")
	rdep := find[*appsv1.Deployment](all, "rpsio-redis")
	if rsvc == nil || rdep == nil || !labels.SelectorFromSet(rsvc.Spec.Selector).Matches(labels.Set(rdep.Spec.Template.Labels)) {
		t.Fatal("the Redis Service does not select the Redis pod")
	}
	var url string
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "RPSIO_REDIS_URL" {
			url = e.Value
		}
	}
	if want := fmt.Sprintf("redis://%s:%d/", rsvc.Name, rsvc.Spec.Ports[0].Port); !strings.HasPrefix(url, want) {
		t.Errorf("RPSIO_REDIS_URL %q does not point at the Redis Service (%s)", url, want)
	}
}
