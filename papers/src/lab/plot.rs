//! Speedup over P = 1 against P, one line per policy, as SVG.
//!
//! P is on a log₂ axis (the lab's P values double); the dashed diagonal is
//! linear speedup.

use super::error::LabError;
use super::matrix::Row;
use plotters::prelude::*;
use std::path::Path;

const SIZE: (u32, u32) = (720, 480);

/// Draws the rows of one workload into `path`.
pub fn speedup_svg(path: &Path, workload: &str, rows: &[&Row]) -> Result<(), LabError> {
    draw(path, workload, rows).map_err(|e| LabError::Plot(path.to_owned(), e.to_string()))
}

fn draw(path: &Path, workload: &str, rows: &[&Row]) -> Result<(), Box<dyn std::error::Error>> {
    let max_p = rows.iter().map(|r| r.report.procs).max().unwrap_or(1);
    let x_max = (max_p as f64).log2().max(1.0);
    let y_max = rows.iter().map(|r| r.speedup).fold(1.0, f64::max) * 1.1;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{workload}: speedup over P = 1"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    let p_label = |x: &f64| format!("{}", 2f64.powf(*x).round());
    chart
        .configure_mesh()
        .x_desc("P (log scale)")
        .y_desc("speedup")
        .x_labels(x_max as usize + 1)
        .x_label_formatter(&p_label)
        .draw()?;
    let ideal = (0..=100)
        .map(|i| x_max * i as f64 / 100.0)
        .map(|x| (x, 2f64.powf(x)));
    let ideal: Vec<_> = ideal.take_while(|&(_, y)| y <= y_max).collect();
    chart.draw_series(DashedLineSeries::new(
        ideal,
        4,
        4,
        BLACK.mix(0.4).stroke_width(1),
    ))?;
    for (i, policy) in policies(rows).into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.policy() == policy)
            .map(|r| ((r.report.procs as f64).log2(), r.speedup))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(policy)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The policies of `rows`, in first-seen order.
fn policies<'a>(rows: &[&'a Row]) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in rows {
        if !seen.contains(&r.policy()) {
            seen.push(r.policy());
        }
    }
    seen
}
