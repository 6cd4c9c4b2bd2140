package plot

import (
	"math"
	"strconv"

	gonum "gonum.org/v1/plot"
)

// niceTicks marks an axis at about n round numbers (1, 2 or 5 times a
// power of ten apart), labelled with as many decimals as the step needs,
// with unlabelled minor ticks between them. gonum's DefaultTicks aims at
// three labels, too few to read a value off a plot ten inches wide.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(lo, hi float64) []gonum.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) || t.n < 1 {
		return gonum.DefaultTicks{}.Ticks(lo, max(hi, lo+1))
	}
	step, m := niceStep((hi - lo) / float64(t.n))
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	minor := step / 5
	if m == 2 {
		minor = step / 4
	}
	var ticks []gonum.Tick
	// Index ticks by integers so that no rounding error builds up.
	first := math.Ceil(lo/minor - 1e-9)
	per := math.Round(step / minor)
	for i := first; i*minor <= hi+minor*1e-9; i++ {
		v := i * minor
		if math.Abs(v) < minor*1e-9 {
			v = 0
		}
		tk := gonum.Tick{Value: v}
		if math.Mod(i, per) == 0 {
			tk.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten and returns it
// with its leading digit.
func niceStep(x float64) (float64, int) {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []int{1, 2, 5} {
		if float64(m)*p >= x*(1-1e-9) {
			return float64(m) * p, m
		}
	}
	return 10 * p, 1
}
