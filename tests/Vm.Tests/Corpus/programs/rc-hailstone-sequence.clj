;; Source: Rosetta Code, task "Hailstone sequence" (https://rosettacode.org/wiki/Hailstone_sequence), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Hailstone-sequence/Clojure/hailstone-sequence.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-hailstone-sequence; the top-level asserts and println are in -main, searching below 10,000 instead of 100,000.
(ns corpus.rc-hailstone-sequence)

(defn hailstone-seq [n]
  (:pre [(pos? n)])
  (lazy-seq
   (cond (= n 1)   '(1)
         (even? n) (cons n (hailstone-seq (/ n 2)))
         :else     (cons n (hailstone-seq (+ (* n 3) 1))))))

(def hseq27 (hailstone-seq 27))

(defn -main []
  (assert (= (count hseq27) 112))
  (assert (= (take 4 hseq27) [27 82 41 124]))
  (assert (= (drop 108 hseq27) [8 4 2 1]))

  (let [{max-i :num, max-len :len}
        (reduce #(max-key :len %1 %2)
                (for [i (range 1 10000)]
                  {:num i, :len (count (hailstone-seq i))}))]
    (println "Maximum length" max-len "was found for hailstone(" max-i ").")))
