//! Server-rendered SVG charts: a stacked bar chart and a horizontal bar chart (used as a
//! timeline). This module only does the geometry; the SVG itself comes from askama
//! templates (`templates/charts/`), which escape every text. The same numbers go into a
//! table beside each chart and into its CSV, so the picture never says more than the data.
use askama::Template;

/// The drawing area of every chart, in SVG user units (the CSS scales it to the page).
const WIDTH: f64 = 720.0;
const STACK_HEIGHT: f64 = 262.0;
/// Room on the left for the scale, at the bottom for the category labels and the legend.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 50.0;
/// A legend entry's swatch, and the width its label takes per character (an estimate:
/// the SVG is laid out without measuring text).
const SWATCH: f64 = 10.0;
const CHAR_WIDTH: f64 = 6.2;
const TOP: f64 = 8.0;
/// Horizontal bars: one row each, with room for the label on the left.
const ROW: f64 = 22.0;
const LABEL_WIDTH: f64 = 260.0;

/// One stack of a stacked bar chart (a product, an outcome): its CSS class suffix
/// (`series-<class>`, coloured by static/style.css) and its label in the page's language.
#[derive(Debug, Clone)]
pub struct Series {
    pub class: &'static str,
    pub label: String,
}

/// Bars of several series stacked per category (e.g. orders per week by product).
#[derive(Debug, Clone)]
pub struct StackedBars {
    /// Unique on the page: the SVG's title and description are referenced by id.
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// `values[category][series]`.
    pub values: Vec<Vec<u64>>,
}

/// One drawn rectangle, with the text a pointer shows over it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub class: &'static str,
    pub tip: String,
}

/// One entry of a chart's legend: a swatch of the series' colour and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub x: f64,
    pub y: f64,
    pub class: &'static str,
    pub label: String,
}

/// A category label under its bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

impl StackedBars {
    /// The total of each category.
    pub fn totals(&self) -> Vec<u64> {
        self.values.iter().map(|row| row.iter().sum()).collect()
    }

    /// The largest total, the top of the scale (at least 1, so an empty chart draws).
    pub fn scale_max(&self) -> u64 {
        self.totals().into_iter().max().unwrap_or(0).max(1)
    }

    fn plot_height(&self) -> f64 {
        STACK_HEIGHT - TOP - BOTTOM
    }

    fn slot(&self) -> f64 {
        (WIDTH - LEFT) / self.categories.len().max(1) as f64
    }

    /// Every non-empty segment, bottom-up within each bar; heights are proportional to
    /// the values, on the same scale for every bar.
    pub fn rects(&self) -> Vec<Rect> {
        let scale = self.plot_height() / self.scale_max() as f64;
        let slot = self.slot();
        let mut rects = Vec::new();
        for (index, (category, row)) in self.categories.iter().zip(&self.values).enumerate() {
            let mut base = STACK_HEIGHT - BOTTOM;
            for (series, value) in self.series.iter().zip(row) {
                if *value == 0 {
                    continue;
                }
                let height = *value as f64 * scale;
                base -= height;
                rects.push(Rect {
                    x: LEFT + index as f64 * slot + slot * 0.1,
                    y: base,
                    width: slot * 0.8,
                    height,
                    class: series.class,
                    tip: format!("{category} · {}: {value}", series.label),
                });
            }
        }
        rects
    }

    /// The legend, one line under the category labels.
    pub fn legend(&self) -> Vec<LegendEntry> {
        let mut x = LEFT;
        self.series
            .iter()
            .map(|series| {
                let entry = LegendEntry {
                    x,
                    y: STACK_HEIGHT - SWATCH - 4.0,
                    class: series.class,
                    label: series.label.clone(),
                };
                x += SWATCH + 6.0 + series.label.chars().count() as f64 * CHAR_WIDTH + 14.0;
                entry
            })
            .collect()
    }

    /// Category labels; with many categories only every few are written, so they do not
    /// overlap (the table beside the chart has every one).
    pub fn labels(&self) -> Vec<Label> {
        let slot = self.slot();
        let every = self.categories.len().div_ceil(7).max(1);
        self.categories
            .iter()
            .enumerate()
            .filter(|(index, _)| index % every == 0)
            .map(|(index, text)| Label {
                x: LEFT + index as f64 * slot + slot / 2.0,
                y: STACK_HEIGHT - BOTTOM + 16.0,
                text: text.clone(),
            })
            .collect()
    }

    /// The SVG (askama escapes every text in it).
    pub fn svg(&self) -> String {
        StackedSvg {
            chart: self,
            width: WIDTH,
            height: STACK_HEIGHT,
            left: LEFT,
            baseline: STACK_HEIGHT - BOTTOM,
            top: TOP,
            max: self.scale_max(),
        }
        .render()
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "charts/stacked.svg", escape = "html")]
struct StackedSvg<'a> {
    chart: &'a StackedBars,
    width: f64,
    height: f64,
    left: f64,
    baseline: f64,
    top: f64,
    max: u64,
}

/// One bar of a horizontal bar chart: its label (a link when `href` is set), its value
/// and the text written after the bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub href: Option<String>,
    pub value: u64,
    pub note: String,
    pub class: &'static str,
}

/// Horizontal bars, one per row (e.g. days left until each validation ends).
#[derive(Debug, Clone)]
pub struct HorizontalBars {
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub bars: Vec<Bar>,
    /// The value a full-width bar stands for (e.g. 90 days); larger values are clipped.
    pub full: u64,
}

/// A drawn bar row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub y: f64,
    pub width: f64,
    pub label_y: f64,
    pub label: String,
    pub href: Option<String>,
    pub note: String,
    pub class: &'static str,
}

impl HorizontalBars {
    pub fn height(&self) -> f64 {
        (self.bars.len().max(1) as f64) * ROW + TOP
    }

    /// Each bar's row, its length proportional to its value.
    pub fn rows(&self) -> Vec<Row> {
        let span = WIDTH - LABEL_WIDTH - 80.0;
        let full = self.full.max(1) as f64;
        self.bars
            .iter()
            .enumerate()
            .map(|(index, bar)| {
                let y = TOP + index as f64 * ROW;
                Row {
                    y,
                    width: (bar.value.min(self.full) as f64 / full * span).max(1.0),
                    label_y: y + ROW * 0.65,
                    label: bar.label.clone(),
                    href: bar.href.clone(),
                    note: bar.note.clone(),
                    class: bar.class,
                }
            })
            .collect()
    }

    pub fn svg(&self) -> String {
        HorizontalSvg {
            chart: self,
            width: WIDTH,
            height: self.height(),
            bar_x: LABEL_WIDTH,
            bar_height: ROW * 0.7,
        }
        .render()
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "charts/horizontal.svg", escape = "html")]
struct HorizontalSvg<'a> {
    chart: &'a HorizontalBars,
    width: f64,
    height: f64,
    bar_x: f64,
    bar_height: f64,
}

impl HorizontalSvg<'_> {
    fn note_x(&self, row: &Row) -> f64 {
        self.bar_x + row.width + 6.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks() -> StackedBars {
        StackedBars {
            id: "weeks",
            title: "Orders <per> week".into(),
            desc: "A & B".into(),
            categories: vec!["W1".into(), "W2".into(), "W3".into()],
            series: vec![
                Series {
                    class: "a",
                    label: "Premium".into(),
                },
                Series {
                    class: "b",
                    label: "Secure \"Email\"".into(),
                },
            ],
            values: vec![vec![2, 2], vec![0, 0], vec![1, 0]],
        }
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("the SVG is well-formed XML")
    }

    #[test]
    fn bar_heights_are_proportional_to_the_values_on_one_scale() {
        let chart = weeks();
        let rects = chart.rects();
        // W2 is empty, so three segments: 2 + 2 in W1, 1 in W3.
        assert_eq!(rects.len(), 3);
        let unit = rects[2].height;
        assert!((rects[0].height - 2.0 * unit).abs() < 1e-9);
        assert!((rects[1].height - 2.0 * unit).abs() < 1e-9);
        // The tallest bar fills the plot exactly.
        assert!((rects[0].height + rects[1].height - (STACK_HEIGHT - TOP - BOTTOM)).abs() < 1e-9);
        // The second segment sits on top of the first.
        assert!((rects[1].y + rects[1].height - rects[0].y).abs() < 1e-9);
    }

    #[test]
    fn the_stacked_svg_is_well_formed_with_an_escaped_title_and_description() {
        let svg = weeks().svg();
        let document = parse(&svg);
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        let text_of = |tag: &str| {
            root.children()
                .find(|node| node.has_tag_name(tag))
                .and_then(|node| node.text())
                .map(str::to_owned)
        };
        assert_eq!(text_of("title").as_deref(), Some("Orders <per> week"));
        assert_eq!(text_of("desc").as_deref(), Some("A & B"));
        // Three bars (each with its tip) and a legend swatch per series.
        let rects: Vec<_> = document
            .descendants()
            .filter(|node| node.has_tag_name("rect"))
            .collect();
        let bars = rects
            .iter()
            .filter(|rect| rect.children().any(|child| child.has_tag_name("title")))
            .count();
        assert_eq!(bars, 3);
        assert_eq!(rects.len() - bars, 2);
        assert!(svg.contains("Secure &#34;Email&#34;") || svg.contains("Secure &quot;Email&quot;"));
    }

    #[test]
    fn an_empty_chart_still_draws_a_well_formed_scale() {
        let chart = StackedBars {
            values: vec![vec![0, 0]; 3],
            ..weeks()
        };
        assert_eq!(chart.scale_max(), 1);
        assert!(chart.rects().is_empty());
        parse(&chart.svg());
    }

    #[test]
    fn horizontal_bars_are_proportional_and_clipped_at_full_width() {
        let chart = HorizontalBars {
            id: "ending",
            title: "Validations".into(),
            desc: "ending".into(),
            full: 90,
            bars: [30, 60, 200]
                .into_iter()
                .map(|days| Bar {
                    label: format!("<b>{days}</b>"),
                    href: Some(format!("/institutions/x?d={days}&y=1")),
                    value: days,
                    note: format!("{days} days"),
                    class: "org",
                })
                .collect(),
        };
        let rows = chart.rows();
        assert!((rows[1].width - 2.0 * rows[0].width).abs() < 1e-9);
        assert!((rows[2].width - 3.0 * rows[0].width).abs() < 1e-9);
        let svg = chart.svg();
        let document = parse(&svg);
        let links: Vec<_> = document
            .descendants()
            .filter(|node| node.has_tag_name("a"))
            .filter_map(|node| node.attribute("href"))
            .collect();
        assert_eq!(links[0], "/institutions/x?d=30&y=1");
        assert!(!svg.contains("<b>"));
    }
}
