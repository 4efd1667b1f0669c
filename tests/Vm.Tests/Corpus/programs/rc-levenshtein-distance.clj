;; Source: Rosetta Code, task "Levenshtein distance" (https://rosettacode.org/wiki/Levenshtein_distance), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Levenshtein-distance/Clojure/levenshtein-distance-2.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-levenshtein-distance; -main prints the task's two distances.
(ns corpus.rc-levenshtein-distance)

(defn levenshtein [w1 w2]
  (letfn [(cell-value [same-char? prev-row cur-row col-idx]
            (min (inc (nth prev-row col-idx))
                 (inc (last cur-row))
                 (+ (nth prev-row (dec col-idx)) (if same-char?
                                                   0
                                                   1))))]
    (loop [row-idx  1
           max-rows (inc (count w2))
           prev-row (range (inc (count w1)))]
      (if (= row-idx max-rows)
        (last prev-row)
        (let [ch2           (nth w2 (dec row-idx))
              next-prev-row (reduce (fn [cur-row i]
                                      (let [same-char? (= (nth w1 (dec i)) ch2)]
                                        (conj cur-row (cell-value same-char?
                                                                  prev-row
                                                                  cur-row
                                                                  i))))
                                    [row-idx] (range 1 (count prev-row)))]
          (recur (inc row-idx) max-rows next-prev-row))))))

(defn -main []
  (prn (levenshtein "kitten" "sitting"))
  (prn (levenshtein "rosettacode" "raisethysword")))
