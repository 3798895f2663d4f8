package api

import (
	"net/http"
	"strconv"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/query"
)

// Helpers that read typed parameters and report problems as AWS errors.

func required(p query.Params, name string) (string, error) {
	v, ok := p.String(name)
	if !ok || v == "" {
		return "", missing(name)
	}
	return v, nil
}

// requiredAll reads several required string parameters, in order.
func requiredAll(p query.Params, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := required(p, n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func requiredInt(p query.Params, name string) (int, error) {
	n, ok, err := p.Int(name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, missing(name)
	}
	return clampInt(name, n)
}

func optionalInt(p query.Params, name string) (*int, error) {
	n, ok, err := p.Int(name)
	if err != nil || !ok {
		return nil, err
	}
	v, err := clampInt(name, n)
	return &v, err
}

// clampInt keeps values in int32 range, as the model's integer type is.
func clampInt(name string, n int64) (int, error) {
	if n < -1<<31 || n >= 1<<31 {
		return 0, &query.Error{Code: "ValidationError", Status: http.StatusBadRequest,
			Message: "Value '" + strconv.FormatInt(n, 10) + "' at '" + name + "' is out of range"}
	}
	return int(n), nil
}

func requiredBool(p query.Params, name string) (bool, error) {
	b, ok, err := p.Bool(name)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, missing(p.FullKey(name))
	}
	return b, nil
}

func requiredList(p query.Params, name string) ([]string, error) {
	l, ok := p.List(name)
	if !ok {
		return nil, missing(name)
	}
	return l, nil
}

func listOf(p query.Params, name string) []string {
	l, _ := p.List(name)
	return l
}

func tagsOf(p query.Params, name string, needKey bool) ([]model.Tag, error) {
	items, _ := p.Structs(name)
	out := make([]model.Tag, 0, len(items))
	for _, it := range items {
		k, ok := it.String("Key")
		if !ok && needKey {
			return nil, missing(name + ".member.N.Key")
		}
		out = append(out, model.Tag{Key: k, Value: it.Get("Value")})
	}
	return out, nil
}

func instanceIDs(p query.Params, name string) ([]string, error) {
	items, _ := p.Structs(name)
	out := make([]string, 0, len(items))
	for _, it := range items {
		id, err := required(it, "InstanceId")
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
