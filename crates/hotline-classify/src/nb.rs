//! Complement naive Bayes (Rennie et al., 2003) as linear weights.
//!
//! It estimates each label's words from all the *other* labels' documents, which is steadier
//! than ordinary naive Bayes when classes are few and uneven. Its scores are linear in the
//! features, so blending it into the SVM is adding weight vectors: nothing more to store.

use crate::features::SparseVec;

/// Per label, the weight of each feature: `-log` of its smoothed share in the complement,
/// centred over labels, so only the differences between labels remain.
pub fn train(
    x: &[SparseVec],
    labels: &[usize],
    sample_weight: &[f32],
    n_labels: usize,
    dim: usize,
    alpha: f32,
) -> Vec<Vec<f32>> {
    let mut per_label = vec![vec![0.0f64; dim]; n_labels];
    for ((xi, &y), &sw) in x.iter().zip(labels).zip(sample_weight) {
        for &(j, v) in xi {
            if let Some(slot) = per_label[y].get_mut(j as usize) {
                *slot += f64::from(v * sw);
            }
        }
    }
    let total: Vec<f64> = (0..dim).map(|j| per_label.iter().map(|p| p[j]).sum()).collect();
    let mut weights: Vec<Vec<f32>> = per_label
        .iter()
        .map(|own| {
            let comp: Vec<f64> =
                total.iter().zip(own).map(|(t, o)| (t - o).max(0.0) + f64::from(alpha)).collect();
            let sum: f64 = comp.iter().sum();
            comp.iter().map(|c| -(c / sum).ln() as f32).collect()
        })
        .collect();
    for j in 0..dim {
        let mean = weights.iter().map(|w| w[j]).sum::<f32>() / n_labels.max(1) as f32;
        for w in &mut weights {
            w[j] -= mean;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labels_own_words_weigh_for_it() {
        let x: Vec<SparseVec> = vec![
            vec![(0, 1.0)],
            vec![(0, 0.9), (2, 0.4)],
            vec![(1, 1.0)],
            vec![(1, 0.9), (2, 0.4)],
        ];
        let w = train(&x, &[0, 0, 1, 1], &[1.0; 4], 2, 3, 0.1);
        assert!(w[0][0] > w[1][0]);
        assert!(w[1][1] > w[0][1]);
        // Shared evenly: no preference.
        assert!((w[0][2] - w[1][2]).abs() < 1e-4);
    }
}
