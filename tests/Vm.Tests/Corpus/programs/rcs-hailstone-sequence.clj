;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), hailstone-sequence.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-hailstone-sequence; the top-level expressions are printed by -main, the second below 1,000 instead of 100,000.
(ns corpus.rcs-hailstone-sequence)

;; Task
;; @see https://rosettacode.org/wiki/Hailstone_sequence

(defn hailstone-seq
  "Returns the hailstone sequence from a starting positive integer n"
  [n]
  {:pre [(pos-int? n)]}
  (if (= n 1) '(1)
      (let [nn (if (even? n) (/ n 2) (inc (* 3 n)))]
        (concat [n] (hailstone-seq nn)))))

(defn -main []
  ;; Show the hailstone sequence for the number 27
  (prn (let [h27 (hailstone-seq 27)]
    {:length  (count h27)
     :starting-with (take 4 h27)
     :ending-with  (take-last 4 h27)
     }))
  ;; Show the longest hailstone sequence number less than 1,000
  (prn (apply max-key :length (for [n (range 1 1000)]
                           {:hailstone n :length (count (hailstone-seq n))}))))
