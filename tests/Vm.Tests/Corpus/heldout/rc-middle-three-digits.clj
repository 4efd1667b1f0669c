;; Source: Rosetta Code, task "Middle three digits" (https://rosettacode.org/wiki/Middle_three_digits), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Middle-three-digits/Clojure/middle-three-digits.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-middle-three-digits; the top-level print-table is in -main; clojure.pprint required.
(ns corpus.rc-middle-three-digits
  (:require [clojure.pprint]))

(defn middle3
  [v]
  (let [digit-str (str (Math/abs v))
        len (count digit-str)]
    (cond
      (< len 3) :too-short
      (even? len) :even-digit-count
      :else (let [half (/ len 2)]
              (subs digit-str (- half 1) (+ half 2))))))

(defn -main []
  (clojure.pprint/print-table
   (for [i [123 12345 1234567 987654321 10001 -10001 -123 -100 100 -12345
            1 2 -1 -10 2002 -2002 0]]
     {:i i :middle-3 (middle3 i)})))
