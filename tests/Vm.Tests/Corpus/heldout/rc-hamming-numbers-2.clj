;; Source: Rosetta Code, task "Hamming numbers" (https://rosettacode.org/wiki/Hamming_numbers), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Hamming-numbers/Clojure/hamming-numbers.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-hamming-numbers-2; -main prints the task's first 20 and 1691st numbers.
(ns corpus.rc-hamming-numbers-2)

(defn smerge [xs ys]
  (lazy-seq
    (let [x (first xs),
          y (first ys),
          [z xs* ys*]
          (cond
            (< x y) [x (rest xs) ys]
            (> x y) [y xs (rest ys)]
            :else   [x (rest xs) (rest ys)])]
      (cons z (smerge xs* ys*)))))

(defn smerge3 [xs ys zs]
  (smerge xs (smerge ys zs)))

(defn map*n [n ks] (map #(* n %) ks))

(def hamming
  (lazy-seq
    (cons 1 (smerge3 (map*n 2 hamming) (map*n 3 hamming) (map*n 5 hamming)))))

(defn -main []
  (prn (take 20 hamming))
  (prn (nth hamming 1690)))
