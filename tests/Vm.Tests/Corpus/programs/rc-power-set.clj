;; Source: Rosetta Code, task "Power set" (https://rosettacode.org/wiki/Power_set), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Power-set/Clojure/power-set-2.clj
;;   (commit 00a190b0a6098918a916b4c1315704613b703e59).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-power-set; -main prints the power set of #{1 2 3}, sorted (a set of sets prints in hash order).
(ns corpus.rc-power-set)

(defn powerset [coll]
  (reduce (fn [a x]
            (->> a
                 (map #(set (concat #{x} %)))
                 (concat a)
                 set))
          #{#{}} coll))

(defn -main []
  (prn (sort-by (juxt count vec) (map (comp vec sort) (powerset #{1 2 3})))))
