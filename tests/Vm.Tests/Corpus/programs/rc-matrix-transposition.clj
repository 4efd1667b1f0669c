;; Source: Rosetta Code, task "Matrix transposition" (https://rosettacode.org/wiki/Matrix_transposition), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Matrix-transposition/Clojure/matrix-transposition-1.clj
;;   (commit db842d013d043a752d4f8b979e7e640c51dbd2bf).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-matrix-transposition; -main transposes a vector and a list matrix.
(ns corpus.rc-matrix-transposition)

(defmulti matrix-transpose
  "Switch rows with columns."
  class)

(defmethod matrix-transpose clojure.lang.PersistentList
  [mtx]
  (apply map list mtx))

(defmethod matrix-transpose clojure.lang.PersistentVector
  [mtx]
  (vec (apply map vector mtx)))

(defn -main []
  (prn (matrix-transpose [[1 2 3] [4 5 6]]))
  (prn (matrix-transpose '((1 2 3) (4 5 6)))))
