;; Source: Rosetta Code, task "Power set" (https://rosettacode.org/wiki/Power_set), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Power-set/Clojure/power-set-4.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-power-set-4; the top-level call is printed by -main.
(ns corpus.rc-power-set-4)

(defn powerset [coll]
  (let [cnt (count coll)
        bits (Math/pow 2 cnt)]
    (for [i (range bits)]
      (for [j (range i)
            :while (< j cnt)
            :when (bit-test i j)]
         (nth coll j)))))

(defn -main []
  (prn (powerset [1 2 3])))
